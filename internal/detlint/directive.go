package detlint

import (
	"errors"
	"go/ast"
	"go/token"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// directivePrefix opens a comment that excuses one line from one rule.
const directivePrefix = "//proven:allow"

// allowableRules are the rules a directive may name.
var allowableRules = []string{RuleWallClock, RuleGlobalRand, RuleGoroutine, RuleSelect, RuleMapOrder}

var (
	errDirectiveForm        = errors.New("detlint: directive must read //proven:allow <rule>: <reason>")
	errDirectiveNoReason    = errors.New("detlint: directive needs a reason after the colon: //proven:allow <rule>: <reason>")
	errDirectiveUnknownRule = errors.New("detlint: directive names an unknown rule; known rules: " +
		strings.Join(allowableRules, ", "))
)

// parseDirective reads a comment's text (with its leading //). It reports
// whether the comment is a directive at all and, if it is, the rule it names
// or why it is malformed.
func parseDirective(text string) (rule string, isDirective bool, err error) {
	rest, found := strings.CutPrefix(text, directivePrefix)
	if !found {
		return "", false, nil
	}
	if rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return "", true, errDirectiveForm
	}
	ruleText, reason, hasColon := strings.Cut(rest, ":")
	words := strings.Fields(ruleText)
	if len(words) != 1 {
		return "", true, errDirectiveForm
	}
	rule = words[0]
	if !slices.Contains(allowableRules, rule) {
		return rule, true, errDirectiveUnknownRule
	}
	if !hasColon || strings.TrimSpace(reason) == "" {
		return rule, true, errDirectiveNoReason
	}
	return rule, true, nil
}

// directive is a well-formed directive found in a file.
type directive struct {
	position token.Pos
	rule     string
	used     bool
}

// reportFindings applies the file's directives to its findings and reports
// what remains, plus every malformed or unused directive.
func reportFindings(pass *analysis.Pass, file *ast.File, findings []finding) {
	tokenFile := pass.Fset.File(file.Pos())
	directivesByLine := map[int][]*directive{}
	var directives []*directive
	for _, group := range file.Comments {
		for _, comment := range group.List {
			rule, isDirective, err := parseDirective(comment.Text)
			if !isDirective {
				continue
			}
			if err != nil {
				reportDirective(pass, comment.Pos(), err.Error()+" (got "+comment.Text+")")
				continue
			}
			found := &directive{position: comment.Pos(), rule: rule}
			line := tokenFile.Line(comment.Pos())
			directivesByLine[line] = append(directivesByLine[line], found)
			directives = append(directives, found)
		}
	}
	for _, breach := range findings {
		if excuse(directivesByLine[tokenFile.Line(breach.position)], breach.rule) {
			continue
		}
		pass.Report(analysis.Diagnostic{Pos: breach.position, Category: breach.rule, Message: breach.message})
	}
	for _, unused := range directives {
		if !unused.used {
			reportDirective(pass, unused.position, "detlint: //proven:allow "+unused.rule+
				" excuses nothing on its line; put it at the end of the line that breaks the rule, or remove it")
		}
	}
}

// excuse marks and reports whether one of a line's directives names rule.
func excuse(directives []*directive, rule string) bool {
	for _, candidate := range directives {
		if candidate.rule == rule {
			candidate.used = true
			return true
		}
	}
	return false
}

func reportDirective(pass *analysis.Pass, position token.Pos, message string) {
	pass.Report(analysis.Diagnostic{
		Pos:      position,
		Category: RuleDirective,
		Message:  message + " [" + RuleDirective + "]",
	})
}

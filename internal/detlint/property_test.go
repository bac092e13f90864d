package detlint

import (
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// A well-formed directive for any allowable rule and any non-blank reason
// allows exactly that rule.
func TestDirectiveWellFormedProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rule := rapid.SampledFrom(allowableRules).Draw(t, "rule")
		reason := rapid.StringMatching(`[ \t]*[!-~][^\n]*`).Draw(t, "reason")
		text := directivePrefix + " " + rule + ":" + reason
		parsedRule, isDirective, err := parseDirective(text)
		if !isDirective || err != nil || parsedRule != rule {
			t.Fatalf("parseDirective(%q) = %q, %v, %v; want %q, true, nil", text, parsedRule, isDirective, err, rule)
		}
	})
}

// Whatever the comment, the parser does not panic, calls only comments with
// the prefix directives, and accepts only allowable rules with a reason.
func TestDirectiveAnyTextProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.OneOf(
			rapid.String(),
			rapid.Map(rapid.String(), func(rest string) string { return directivePrefix + rest }),
			rapid.Map(rapid.StringMatching(`[ \t]*[a-z-]*[ \t]*:?[ \t]*[a-z ]*`), func(rest string) string {
				return directivePrefix + rest
			}),
		).Draw(t, "text")
		rule, isDirective, err := parseDirective(text)
		if isDirective != strings.HasPrefix(text, directivePrefix) {
			t.Fatalf("parseDirective(%q) says directive=%v", text, isDirective)
		}
		if !isDirective || err != nil {
			return
		}
		if !slices.Contains(allowableRules, rule) {
			t.Fatalf("parseDirective(%q) accepted unknown rule %q", text, rule)
		}
		_, reason, _ := strings.Cut(strings.TrimPrefix(text, directivePrefix), ":")
		if strings.TrimSpace(reason) == "" {
			t.Fatalf("parseDirective(%q) accepted a directive without a reason", text)
		}
	})
}

// Every module package is either simulated or exempt, never both; exemption
// covers a prefix and everything below it, but not a longer sibling name.
func TestPackagePolicyProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		segments := rapid.SliceOfN(rapid.StringMatching(`[a-z][a-z0-9]{0,6}`), 0, 4).Draw(t, "segments")
		suffix := strings.Join(segments, "/")
		prefix := rapid.SampledFrom(ExemptPrefixes).Draw(t, "prefix")
		below := prefix
		if suffix != "" {
			below = prefix + "/" + suffix
		}
		if !Exempt(below) || Simulated(below) {
			t.Fatalf("%s should be exempt and not simulated", below)
		}
		sibling := prefix + "x" + strings.ReplaceAll(suffix, "/", "")
		if Exempt(sibling) || !Simulated(sibling) {
			t.Fatalf("%s should be simulated: it only shares a name prefix with %s", sibling, prefix)
		}
		outside := "example.com/" + suffix
		if Exempt(outside) || Simulated(outside) {
			t.Fatalf("%s is outside the module and should be neither exempt nor simulated", outside)
		}
	})
}

package detlint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"golang.org/x/tools/txtar"
)

// defaultGoMod is written into a scenario's module when its archive has none.
const defaultGoMod = "module " + ModulePath + "\n\ngo 1.26\n"

// TestScenarios runs the scenario files in testdata/scenarios. Commands:
//
//	check [pattern...]  writes the input (a txtar archive) into a fresh
//	                    module and prints what CheckModule reports
//	parse               prints how each input line parses as a directive
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, filepath.Join("testdata", "scenarios"), func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, data *datadriven.TestData) string {
			switch data.Cmd {
			case "check":
				return runCheck(t, data)
			case "parse":
				return runParse(data.Input)
			}
			t.Fatalf("%s: unknown command %q", data.Pos, data.Cmd)
			return ""
		})
	})
}

func runCheck(t *testing.T, data *datadriven.TestData) string {
	root := writeArchive(t, data.Input)
	var patterns []string
	for _, argument := range data.CmdArgs {
		patterns = append(patterns, argument.String())
	}
	diagnostics, err := CheckModule(root, patterns...)
	if err != nil {
		kind := "error"
		if errors.Is(err, ErrLoad) {
			kind = "load error"
		}
		return kind + ": " + strings.ReplaceAll(err.Error(), root+string(filepath.Separator), "")
	}
	if len(diagnostics) == 0 {
		return "no diagnostics"
	}
	var output strings.Builder
	for _, diagnostic := range diagnostics {
		fmt.Fprintf(&output, "%s\n", diagnostic.RelativeTo(root))
	}
	return output.String()
}

// writeArchive writes a txtar archive into a new temporary directory, adding
// a go.mod for the module if the archive has none, and returns the directory.
func writeArchive(t *testing.T, archiveText string) string {
	t.Helper()
	root := t.TempDir()
	archive := txtar.Parse([]byte(archiveText))
	hasGoMod := false
	for _, file := range archive.Files {
		hasGoMod = hasGoMod || file.Name == "go.mod"
		writeFile(t, filepath.Join(root, filepath.FromSlash(file.Name)), file.Data)
	}
	if !hasGoMod {
		writeFile(t, filepath.Join(root, "go.mod"), []byte(defaultGoMod))
	}
	return root
}

func writeFile(t *testing.T, path string, content []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

func runParse(input string) string {
	var output strings.Builder
	for line := range strings.Lines(input) {
		text := strings.TrimRight(line, "\n")
		rule, isDirective, err := parseDirective(text)
		switch {
		case !isDirective:
			fmt.Fprintf(&output, "%s\n  not a directive\n", text)
		case err != nil:
			fmt.Fprintf(&output, "%s\n  malformed: %v\n", text, err)
		default:
			fmt.Fprintf(&output, "%s\n  allows %s\n", text, rule)
		}
	}
	return output.String()
}

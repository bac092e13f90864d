// Command snippets checks that the README's Go snippets and the examples
// compile from outside this module, as a user's code would: it writes them
// into a scratch module that requires github.com/proven2pc/proven with a
// replace directive pointing at this checkout, and builds it. Run from the
// repository's root (.ci/run does):
//
//	go run ./.ci/snippets
//
// # The README convention
//
// Every ```go block in README.md must compile, in one of two forms. A
// complete file starts with its package clause (comments before it are
// fine) and has its imports. A fragment comes right after (blank lines
// allowed) an HTML comment, hidden when the README is rendered, that opens
// with "<!-- snippet wrapper" and holds the rest of the file: the package
// clause, the imports, the declarations the fragment uses, and one line
// SNIPPET where the fragment goes. For example:
//
//	<!-- snippet wrapper: .ci/snippets compiles the block below inside it
//	package example
//
//	import (
//		"context"
//		"time"
//
//		"github.com/proven2pc/proven/coordinator"
//	)
//
//	func example(ctx context.Context, coord *coordinator.Coordinator) error {
//	SNIPPET
//		return err
//	}
//	-->
//	```go
//	tx := coord.Begin(ctx, time.Second)
//	...
//
// Each block is its own package, so blocks do not see one another. Errors
// are reported at their README.md line (through //line directives), and a
// block in neither form is reported as such. Every package under
// examples/, with its tests and testdata, is compiled the same way, from
// the scratch module, where an import of an internal package fails; then
// its tests run there, as a user's copy of them would.
//
// # Offline
//
// The scratch module copies this module's go.sum and builds with
// -mod=mod, so it needs no network when the module cache holds this
// module's dependencies (after `go test ./...`, say); with a module proxy
// it works from a clean cache too.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const (
	modulePath    = "github.com/proven2pc/proven"
	readmeName    = "README.md"
	wrapperOpen   = "<!-- snippet wrapper"
	wrapperMarker = "SNIPPET"
)

func main() {
	if err := check(); err != nil {
		fmt.Fprintf(os.Stderr, "snippets: %v\n", err)
		os.Exit(1)
	}
}

func check() error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	readme, err := os.ReadFile(filepath.Join(root, readmeName))
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "proven-snippets-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	if err := writeModule(root, scratch); err != nil {
		return err
	}
	blocks := goBlocks(string(readme))
	var problems []string
	for index, block := range blocks {
		source, problem := block.file(filepath.Join(root, readmeName))
		if problem != "" {
			problems = append(problems, fmt.Sprintf("%s:%d: %s", readmeName, block.line, problem))
			continue
		}
		directory := filepath.Join("readme", fmt.Sprintf("block%02d", index+1))
		if err := os.MkdirAll(filepath.Join(scratch, directory), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(scratch, directory, "snippet.go"), []byte(source), 0o644); err != nil {
			return err
		}
		// One build per block, so that a block that does not load (a bad
		// import) does not hide the errors of the others.
		if output, err := goCommand(scratch, "build", "./"+directory); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: the block does not compile:\n%s", readmeName, block.line, output))
		}
	}
	examples, err := copyExamples(root, scratch)
	if err != nil {
		return err
	}
	if examples > 0 {
		// vet type-checks the examples' tests too; then they run, as a
		// user's tests would, from outside this module.
		if output, err := goCommand(scratch, "vet", "./examples/..."); err != nil {
			problems = append(problems, "the examples do not compile (go vet ./examples/... in the scratch module):\n"+output)
		} else if output, err := goCommand(scratch, "test", "-count=1", "./examples/..."); err != nil {
			problems = append(problems, "the examples' tests fail (go test ./examples/... in the scratch module):\n"+output)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problem(s); see the convention at the top of .ci/snippets/main.go\n%s",
			len(problems), strings.Join(problems, "\n"))
	}
	fmt.Printf("%d Go snippets of %s compile and %d example packages compile and pass their tests from a scratch module\n",
		len(blocks), readmeName, examples)
	return nil
}

// writeModule writes the scratch module's go.mod and go.sum.
func writeModule(root, scratch string) error {
	goMod := fmt.Sprintf("module example.com/readme\n\ngo 1.26.0\n\nrequire %s v0.0.0\n\nreplace %s => %s\n",
		modulePath, modulePath, root)
	if err := os.WriteFile(filepath.Join(scratch, "go.mod"), []byte(goMod), 0o644); err != nil {
		return err
	}
	goSum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(scratch, "go.sum"), goSum, 0o644)
}

// goCommand runs the go tool in the scratch module, returning its output.
func goCommand(directory string, arguments ...string) (string, error) {
	command := exec.Command("go", arguments...)
	command.Dir = directory
	command.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
	output, err := command.CombinedOutput()
	return string(output), err
}

// copyExamples copies examples/ into the scratch module and returns how
// many packages (folders with Go files) it holds.
func copyExamples(root, scratch string) (int, error) {
	packages := map[string]bool{}
	source := filepath.Join(root, "examples")
	err := filepath.WalkDir(source, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		relative, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		target := filepath.Join(scratch, relative)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if strings.HasSuffix(path, ".go") {
			packages[filepath.Dir(relative)] = true
		}
		return os.WriteFile(target, data, 0o644)
	})
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	return len(packages), err
}

// block is one ```go block of the README.
type block struct {
	line    int      // the README line of the block's first line of code
	code    []string // the lines of code
	wrapper []string // the wrapper comment's lines, nil when there is none
	// wrapperLine is the README line of the wrapper's first line of Go.
	wrapperLine int
}

// goBlocks finds the ```go blocks and the wrapper comment before each.
func goBlocks(readme string) []block {
	lines := strings.Split(readme, "\n")
	var blocks []block
	for index := 0; index < len(lines); index++ {
		if strings.TrimSpace(lines[index]) != "```go" {
			continue
		}
		found := block{line: index + 2}
		found.wrapper, found.wrapperLine = wrapperBefore(lines, index)
		for index++; index < len(lines) && strings.TrimSpace(lines[index]) != "```"; index++ {
			found.code = append(found.code, lines[index])
		}
		blocks = append(blocks, found)
	}
	return blocks
}

// wrapperBefore returns the Go lines of the wrapper comment that ends
// right before the fence at index (blank lines between allowed), and the
// README line of its first one.
func wrapperBefore(lines []string, fence int) ([]string, int) {
	end := fence - 1
	for end >= 0 && strings.TrimSpace(lines[end]) == "" {
		end--
	}
	if end < 0 || strings.TrimSpace(lines[end]) != "-->" {
		return nil, 0
	}
	for start := end - 1; start >= 0; start-- {
		if strings.HasPrefix(strings.TrimSpace(lines[start]), wrapperOpen) {
			return lines[start+1 : end], start + 2
		}
		if strings.Contains(lines[start], "-->") {
			break // another comment: the one before the fence is not a wrapper
		}
	}
	return nil, 0
}

// file renders the block as a Go file whose //line directives point back
// at the README, or says why it cannot.
func (b block) file(readmePath string) (string, string) {
	directive := func(line int) string { return fmt.Sprintf("//line %s:%d\n", readmePath, line) }
	if startsWithPackage(b.code) {
		return directive(b.line) + strings.Join(b.code, "\n") + "\n", ""
	}
	if b.wrapper == nil {
		return "", "this ```go block neither starts with a package clause nor follows a \"" + wrapperOpen + "\" comment"
	}
	var source bytes.Buffer
	markers := 0
	source.WriteString(directive(b.wrapperLine))
	for offset, line := range b.wrapper {
		if strings.TrimSpace(line) != wrapperMarker {
			source.WriteString(line + "\n")
			continue
		}
		markers++
		source.WriteString(directive(b.line) + strings.Join(b.code, "\n") + "\n")
		source.WriteString(directive(b.wrapperLine + offset + 1))
	}
	if markers != 1 {
		return "", fmt.Sprintf("the snippet wrapper before this block has %d %s lines, want 1", markers, wrapperMarker)
	}
	return source.String(), ""
}

// startsWithPackage reports whether the first line that is neither blank
// nor a line comment is a package clause.
func startsWithPackage(code []string) bool {
	for _, line := range code {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "//") {
			continue
		}
		return strings.HasPrefix(trimmed, "package ")
	}
	return false
}

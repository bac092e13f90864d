package checkers

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/proven2pc/proven/engines/value"
)

// porcupineTestData finds porcupine's test_data directory in the module
// cache. It fails the test, never skips it, when the directory is missing.
func porcupineTestData(t testing.TB) string {
	t.Helper()
	output, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	if err != nil {
		t.Fatalf("cannot locate porcupine's module with go list (run go mod download): %v", err)
	}
	directory := filepath.Join(strings.TrimSpace(string(output)), "test_data")
	if info, err := os.Stat(directory); err != nil || !info.IsDir() {
		t.Fatalf("porcupine's test_data directory %q is missing: %v", directory, err)
	}
	return directory
}

type publishedVerdict struct {
	file    string
	verdict Verdict
}

func readPublishedVerdicts(t *testing.T) []publishedVerdict {
	t.Helper()
	file, err := os.Open("testdata/porcupine_verdicts.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var verdicts []publishedVerdict
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		verdicts = append(verdicts, publishedVerdict{file: fields[0], verdict: Verdict(fields[1])})
	}
	return verdicts
}

// TestPorcupineTestDataVerdicts reads every history porcupine ships with our
// Jepsen readers and checks it with our models: every published verdict must
// be reproduced, and every file in test_data must have a verdict.
func TestPorcupineTestDataVerdicts(t *testing.T) {
	directory := porcupineTestData(t)
	verdicts := readPublishedVerdicts(t)
	var listed []string
	for _, published := range verdicts {
		listed = append(listed, published.file)
	}
	for _, pattern := range []string{"jepsen/*.log", "kv/*.txt"} {
		files, err := filepath.Glob(filepath.Join(directory, pattern))
		if err != nil || len(files) == 0 {
			t.Fatalf("no files match %s in %s: %v", pattern, directory, err)
		}
		for _, file := range files {
			relative, _ := filepath.Rel(directory, file)
			if !slices.Contains(listed, filepath.ToSlash(relative)) {
				t.Errorf("%s has no published verdict in testdata/porcupine_verdicts.txt", relative)
			}
		}
	}
	for _, published := range verdicts {
		t.Run(published.file, func(t *testing.T) {
			result := checkPorcupineFile(t, filepath.Join(directory, published.file))
			if result.Verdict != published.verdict {
				t.Fatalf("verdict %s, published %s; explanation:\n%s", result.Verdict, published.verdict, result.Explanation)
			}
			if result.Verdict == VerdictIllegal && len(result.Operations) == 0 {
				t.Fatalf("illegal verdict names no operations")
			}
		})
	}
}

func checkPorcupineFile(t *testing.T, path string) Result {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var history History
	config := LinearizableConfig{Model: ModelRegister}
	if strings.Contains(path, "etcd_") {
		history, err = ReadJepsenEtcdLog(file)
		config.FailedCASMeansMismatch = true
	} else {
		history, err = ReadJepsenKVLog(file)
		config.Initial = value.String("")
	}
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	result, err := CheckLinearizable(history, config)
	if err != nil {
		t.Fatalf("checking %s: %v", path, err)
	}
	return result
}

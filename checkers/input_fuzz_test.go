package checkers

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadAndCheck: no text makes the readers or the checkers panic; bad
// text is an error, and a history that reads is checked or refused with an
// error. The seeds are the histories of testdata/read.
func FuzzReadAndCheck(f *testing.F) {
	files, _ := filepath.Glob("testdata/read/*.txt")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, part := range bytes.Split(data, []byte("\n----\n")) {
			f.Add(part)
		}
	}
	f.Add([]byte(`{:type :invoke, :value [[:append 1 1] [:r 1 nil]]}` + "\n" + `{:type :ok, :value [[:append 1 1] [:r 1 [1 1]]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		history, err := ReadHistory(bytes.NewReader(data))
		if err != nil {
			return
		}
		_, _ = CheckListAppend(history, ListAppendConfig{})
		_, _ = CheckLinearizable(history, LinearizableConfig{Model: ModelRegister, StepBudget: 1000})
		_, _ = CheckLinearizable(history, LinearizableConfig{Model: ModelQueue, StepBudget: 1000})
	})
}

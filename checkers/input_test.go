package checkers

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/engines/value"
)

// formatEvents prints a history one event per line: index, process, type,
// function, key, value and time.
func formatEvents(history History) string {
	var text strings.Builder
	for _, event := range history.Events {
		fmt.Fprintf(&text, "%d p%d %s %s", event.Index, event.Process, event.Type, event.Function)
		if event.Key != "" {
			fmt.Fprintf(&text, " key=%q", event.Key)
		}
		fmt.Fprintf(&text, " %v t=%d", event.Value, event.TimeNanos)
		if event.Txn != "" {
			fmt.Fprintf(&text, " txn=%s", event.Txn)
		}
		text.WriteString("\n")
	}
	return text.String()
}

// TestReadScenarios reads the histories in testdata/read: "edn" with
// ReadEDN, "jsonl" with ReadJSONLines, "auto" with ReadHistory.
func TestReadScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/read", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			readers := map[string]func(*strings.Reader) (History, error){
				"edn":   func(r *strings.Reader) (History, error) { return ReadEDN(r) },
				"jsonl": func(r *strings.Reader) (History, error) { return ReadJSONLines(r) },
				"auto":  func(r *strings.Reader) (History, error) { return ReadHistory(r) },
			}
			read, ok := readers[d.Cmd]
			if !ok {
				t.Fatalf("unknown command %q", d.Cmd)
			}
			history, err := read(strings.NewReader(d.Input))
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			return formatEvents(history)
		})
	})
}

// TestWrittenHistoriesReadBack: what WriteEDN and WriteJSONLines write
// reads back, through ReadHistory, as the same events (EDN's cas
// completion as Jepsen's [old new]).
func TestWrittenHistoriesReadBack(t *testing.T) {
	history := serialListAppend(rand.New(rand.NewPCG(5, 5)), 40, 3)
	pair := value.List(value.Null(), value.Int(2))
	operationEvents(&history, 99, FunctionCAS, "r", pair, value.Bool(true), TypeOK)
	jepsen := History{Events: slices.Clone(history.Events)}
	jepsen.Events[len(jepsen.Events)-1].Value = pair
	for _, write := range []struct {
		write func(*bytes.Buffer) error
		want  History
	}{
		{func(buffer *bytes.Buffer) error { return history.WriteEDN(buffer) }, jepsen},
		{func(buffer *bytes.Buffer) error { return history.WriteJSONLines(buffer) }, history},
	} {
		var buffer bytes.Buffer
		if err := write.write(&buffer); err != nil {
			t.Fatal(err)
		}
		read, err := ReadHistory(&buffer)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := formatEvents(read), formatEvents(write.want); got != want {
			t.Fatalf("read back\n%s\nwant\n%s", got, want)
		}
	}
}

// BenchmarkReadHistory100k reads the 100k-operation list-append history of
// BenchmarkListAppend100k (~20M read elements) as EDN and as JSON lines.
func BenchmarkReadHistory100k(b *testing.B) {
	history := serialListAppend(rand.New(rand.NewPCG(7, 7)), 50_000, 100)
	for _, format := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"edn", func(buffer *bytes.Buffer) error { return history.WriteEDN(buffer) }},
		{"jsonl", func(buffer *bytes.Buffer) error { return history.WriteJSONLines(buffer) }},
	} {
		var text bytes.Buffer
		if err := format.write(&text); err != nil {
			b.Fatal(err)
		}
		b.Run(format.name, func(b *testing.B) {
			b.SetBytes(int64(text.Len()))
			for range b.N {
				if _, err := ReadHistory(bytes.NewReader(text.Bytes())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

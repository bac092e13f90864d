package sql

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
)

// TestIsolation runs the scenario files in testdata/isolation: classic
// anomalies attempted by interleaved transactions through the engine
// contract, with a small wound-wait harness standing in for the
// processor.
//
// Commands:
//
//	exec txn=N        the input is one SQL statement of transaction N
//	commit txn=N ts=T prepare and commit at T, then retry waiting statements
//	abort txn=N       abort, then retry waiting statements
//	read ts=T         a snapshot read of the input at T
//	held              what the engine holds
//	restore           checkpoint the engine and restore it from the bytes
//
// A statement blocked by younger unprepared transactions wounds them (they
// abort); blocked by older ones it waits, and is retried, in age order,
// whenever a transaction finishes.
func TestIsolation(t *testing.T) {
	datadriven.Walk(t, "testdata/isolation", func(t *testing.T, path string) {
		h := &isolationHarness{engine: NewEngine(), wounded: map[int]bool{}}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return h.command(t, d)
		})
	})
}

type waitingStatement struct {
	txn int
	sql string
}

type isolationHarness struct {
	engine  *Engine
	wounded map[int]bool
	waiting []waitingStatement
}

func txnID(n int) engines.TxnID { return clock.Timestamp{WallNanos: int64(n)} }

func argInt(t *testing.T, d *datadriven.TestData, key string) int {
	var text string
	d.ScanArgs(t, key, &text)
	n, err := strconv.Atoi(text)
	if err != nil {
		t.Fatalf("%s: %s=%q is not an integer", d.Pos, key, text)
	}
	return n
}

func (h *isolationHarness) command(t *testing.T, d *datadriven.TestData) string {
	var out []string
	switch d.Cmd {
	case "exec":
		txn := argInt(t, d, "txn")
		out = h.exec(txn, d.Input)
	case "commit":
		txn, ts := argInt(t, d, "txn"), argInt(t, d, "ts")
		if h.wounded[txn] {
			return "aborted (wounded)"
		}
		out = append(out, h.commit(txn, ts))
		out = append(out, h.retryWaiting()...)
	case "abort":
		txn := argInt(t, d, "txn")
		h.engine.Abort(txnID(txn))
		h.dropWaiting(txn)
		out = append(out, "ok")
		out = append(out, h.retryWaiting()...)
	case "read":
		outcome := h.engine.Read(Operation{Query: d.Input}.Encode(), clock.Timestamp{WallNanos: int64(argInt(t, d, "ts"))})
		out = append(out, showOutcome(outcome))
	case "held":
		held := h.engine.Held()
		out = append(out, fmt.Sprintf("transactions=%d locks=%d", held.Transactions, held.Locks))
	case "restore":
		var frozen bytes.Buffer
		if _, err := h.engine.FreezeCheckpoint().WriteTo(&frozen); err != nil || !bytes.Equal(frozen.Bytes(), h.engine.Checkpoint()) {
			t.Fatalf("%s: the frozen checkpoint (%v) differs from Checkpoint", d.Pos, err)
		}
		restored, err := Restore(h.engine.Checkpoint())
		if err != nil {
			t.Fatalf("%s: restore: %v", d.Pos, err)
		}
		if string(restored.Checkpoint()) != string(h.engine.Checkpoint()) {
			t.Fatalf("%s: checkpoint of the restored engine differs", d.Pos)
		}
		h.engine = restored.(*Engine)
		out = append(out, "ok")
	default:
		t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	}
	return strings.Join(out, "\n")
}

func (h *isolationHarness) commit(txn, ts int) string {
	if err := h.engine.Prepare(txnID(txn), clock.Timestamp{WallNanos: int64(ts)}); err != nil {
		return "error: " + err.Error()
	}
	if err := h.engine.Commit(txnID(txn), clock.Timestamp{WallNanos: int64(ts)}); err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

// exec applies a statement, wounding younger blockers and retrying,
// or queueing it behind older ones.
func (h *isolationHarness) exec(txn int, sql string) []string {
	if h.wounded[txn] {
		return []string{"aborted (wounded)"}
	}
	var out []string
	for {
		outcome := h.engine.Apply(txnID(txn), Operation{Query: sql}.Encode(), txnID(txn))
		if outcome.Status != engines.StatusBlocked {
			return append(out, showOutcome(outcome))
		}
		var older []string
		woundedAny := false
		for _, blocker := range outcome.Blockers {
			other := int(blocker.WallNanos)
			if other > txn && !h.engine.transactions.Lookup(blocker).Prepared() {
				h.engine.Abort(blocker)
				h.wounded[other] = true
				h.dropWaiting(other)
				out = append(out, fmt.Sprintf("wounded txn %d", other))
				woundedAny = true
				continue
			}
			older = append(older, strconv.Itoa(other))
		}
		if !woundedAny {
			h.waiting = append(h.waiting, waitingStatement{txn: txn, sql: sql})
			return append(out, "blocked by txn "+strings.Join(older, ", "))
		}
	}
}

func (h *isolationHarness) dropWaiting(txn int) {
	h.waiting = slices.DeleteFunc(h.waiting, func(w waitingStatement) bool { return w.txn == txn })
}

// retryWaiting retries waiting statements oldest first.
func (h *isolationHarness) retryWaiting() []string {
	waiting := h.waiting
	h.waiting = nil
	slices.SortStableFunc(waiting, func(a, b waitingStatement) int { return a.txn - b.txn })
	var out []string
	for _, w := range waiting {
		for _, line := range h.exec(w.txn, w.sql) {
			out = append(out, fmt.Sprintf("txn %d: %s", w.txn, line))
		}
	}
	return out
}

func showOutcome(outcome engines.Outcome) string {
	switch outcome.Status {
	case engines.StatusFailed:
		return "failed: " + outcome.Err.Error()
	case engines.StatusBlocked:
		return fmt.Sprintf("blocked by %v", outcome.Blockers)
	}
	result, err := DecodeResult(outcome.Result)
	if err != nil {
		return "bad result: " + err.Error()
	}
	if len(result.Columns) == 0 {
		return fmt.Sprintf("done: %d rows affected", result.RowsAffected)
	}
	lines := []string{"done: " + strings.Join(result.Columns, " ")}
	for _, row := range result.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = v.String()
		}
		lines = append(lines, "  "+strings.Join(cells, " "))
	}
	return strings.Join(lines, "\n")
}

package sql

import (
	"fmt"
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"pgregory.net/rapid"
)

// TestTransfersConserveMoney interleaves read-modify-write transfers
// (each reads two balances, then writes back literal new values) under
// wound-wait, with snapshot reads in between. Any lost update, dirty
// write or inconsistent snapshot would change the total.
func TestTransfersConserveMoney(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := &transferHarness{runner: &autocommit{engine: NewEngine()}}
		mustRun(t, h.runner, "CREATE TABLE acct (id INT PRIMARY KEY, balance INT)")
		mustRun(t, h.runner, "INSERT INTO acct VALUES (0, 100), (1, 100), (2, 100), (3, 100)")
		for i := range rapid.IntRange(2, 5).Draw(t, "transfers") {
			from := rapid.IntRange(0, 3).Draw(t, "from")
			to := (from + rapid.IntRange(1, 3).Draw(t, "offset")) % 4
			h.transfers = append(h.transfers, &transfer{id: h.runner.next(), from: from, to: to, number: i})
		}
		for range 400 {
			if h.allFinished() {
				break
			}
			if rapid.IntRange(0, 4).Draw(t, "snapshot?") == 0 {
				h.checkSnapshot(t)
				continue
			}
			h.step(t, h.transfers[rapid.IntRange(0, len(h.transfers)-1).Draw(t, "who")])
		}
		if !h.allFinished() {
			t.Fatalf("transfers did not finish")
		}
		h.checkSnapshot(t)
		if held := h.runner.engine.Held(); !held.IsZero() {
			t.Fatalf("engine holds %+v after every transfer finished", held)
		}
	})
}

type transfer struct {
	id       engines.TxnID
	number   int
	from, to int
	step     int // 0 read from, 1 read to, 2 write from, 3 write to, 4 commit, 5 finished
	balances [2]int64
	wounded  bool
}

type transferHarness struct {
	runner    *autocommit
	transfers []*transfer
}

func (h *transferHarness) allFinished() bool {
	for _, x := range h.transfers {
		if x.step < 5 && !x.wounded {
			return false
		}
	}
	return true
}

func (h *transferHarness) step(t *rapid.T, x *transfer) {
	if x.step == 5 || x.wounded {
		return
	}
	if x.step == 4 {
		commit := h.runner.next()
		if err := h.runner.engine.Prepare(x.id, commit); err != nil {
			t.Fatalf("prepare: %v", err)
		}
		if err := h.runner.engine.Commit(x.id, commit); err != nil {
			t.Fatalf("commit: %v", err)
		}
		x.step = 5
		return
	}
	queries := []string{
		fmt.Sprintf("SELECT balance FROM acct WHERE id = %d", x.from),
		fmt.Sprintf("SELECT balance FROM acct WHERE id = %d", x.to),
		fmt.Sprintf("UPDATE acct SET balance = %d WHERE id = %d", x.balances[0]-1, x.from),
		fmt.Sprintf("UPDATE acct SET balance = %d WHERE id = %d", x.balances[1]+1, x.to),
	}
	outcome := h.runner.engine.Apply(x.id, Operation{Query: queries[x.step]}.Encode(), x.id)
	switch outcome.Status {
	case engines.StatusFailed:
		t.Fatalf("transfer %d step %d: %v", x.number, x.step, outcome.Err)
	case engines.StatusBlocked:
		h.wound(x, outcome.Blockers)
		return
	}
	if x.step < 2 {
		result, err := DecodeResult(outcome.Result)
		if err != nil || len(result.Rows) != 1 {
			t.Fatalf("read: %v %v", result, err)
		}
		x.balances[x.step] = result.Rows[0][0].AsInt()
	}
	x.step++
}

// wound aborts blockers younger than x; x waits for older ones.
func (h *transferHarness) wound(x *transfer, blockers []engines.TxnID) {
	for _, other := range h.transfers {
		for _, blocker := range blockers {
			if other.id == blocker && x.id.Less(blocker) && other.step < 5 {
				h.runner.engine.Abort(blocker)
				other.wounded = true
			}
		}
	}
}

func (h *transferHarness) checkSnapshot(t *rapid.T) {
	snapshot := clock.Timestamp{WallNanos: h.runner.clock*1000 + 1, Node: 9}
	outcome := h.runner.engine.Read(Operation{Query: "SELECT SUM(balance) FROM acct"}.Encode(), snapshot)
	if outcome.Status != engines.StatusDone {
		t.Fatalf("snapshot read: %v %v", outcome.Status, outcome.Err)
	}
	result, err := DecodeResult(outcome.Result)
	if err != nil {
		t.Fatal(err)
	}
	if total := result.Rows[0][0].AsInt(); total != 400 {
		t.Fatalf("total %d at snapshot %v, want 400", total, snapshot)
	}
}

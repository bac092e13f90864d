package enginetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/internal/scenariotest"
	"pgregory.net/rapid"
)

// TxnID returns test transaction n (smaller is older), on coordinator 1.
func TxnID(n int64) engines.TxnID { return engines.TxnID{WallNanos: n, Node: 1} }

// Timestamp returns test timestamp n: prepare, commit or snapshot.
func Timestamp(n int64) clock.Timestamp { return clock.Timestamp{WallNanos: n} }

// Outcome shows an outcome on one line: done(result) when Done, else
// `blocked on [2 3] until finished` or `failed <code>: <message>`.
func Outcome(outcome engines.Outcome, done func(result []byte) string) string {
	switch outcome.Status {
	case engines.StatusDone:
		return done(outcome.Result)
	case engines.StatusFailed:
		refusal := engines.AsRefusal(outcome.Err)
		return fmt.Sprintf("failed %s: %s", refusal.Code, refusal.Message)
	case engines.StatusBlocked:
		names := make([]string, len(outcome.Blockers))
		for index, blocker := range outcome.Blockers {
			names[index] = fmt.Sprint(blocker.WallNanos)
		}
		return fmt.Sprintf("blocked on [%s] until %v", strings.Join(names, " "), outcome.WaitFor)
	}
	return fmt.Sprintf("outcome with status %v", outcome.Status)
}

// Command runs the scenario commands every engine answers alike, with
// transaction n named txn(n):
//
//	prepare txn=<n> ts=<n>    commit txn=<n> ts=<n>    abort txn=<n>    held
//
// It reports false for any other command.
func Command(t *testing.T, d *datadriven.TestData, engine engines.Engine, txn func(int64) engines.TxnID) (string, bool) {
	switch d.Cmd {
	case "prepare":
		return scenariotest.Error(engine.Prepare(txn(scenariotest.Int(t, d, "txn")), Timestamp(scenariotest.Int(t, d, "ts")))), true
	case "commit":
		return scenariotest.Error(engine.Commit(txn(scenariotest.Int(t, d, "txn")), Timestamp(scenariotest.Int(t, d, "ts")))), true
	case "abort":
		engine.Abort(txn(scenariotest.Int(t, d, "txn")))
		return "ok", true
	case "held":
		held := engine.Held()
		return fmt.Sprintf("transactions=%d locks=%d reservations=%d", held.Transactions, held.Locks, held.Reservations), true
	}
	return "", false
}

// errOtherBytes reports a restored engine that checkpoints to other bytes.
var errOtherBytes = errors.New("restored engine checkpoints to different bytes")

// RoundTrip restores engine's checkpoint and checks that the restored
// engine checkpoints to the same bytes.
func RoundTrip(engine engines.Engine, restore engines.Restorer) (engines.Engine, error) {
	data := engine.Checkpoint()
	restored, err := restore(data)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(restored.Checkpoint(), data) {
		return nil, errOtherBytes
	}
	return restored, nil
}

// Damage returns a copy of data, sometimes damaged as rapid draws: a few
// bytes nudged or replaced by likely tags and lengths, cut short, or
// with bytes appended.
func Damage(t *rapid.T, data []byte) []byte {
	data = bytes.Clone(data)
	switch rapid.IntRange(0, 3).Draw(t, "corruption") {
	case 1:
		for range rapid.IntRange(1, 3).Draw(t, "nudges") {
			index := rapid.IntRange(0, len(data)-1).Draw(t, "index")
			data[index] = rapid.SampledFrom([]byte{data[index] + 1, data[index] - 1, 0, 1, 5, 6, 7, 8, 0x80}).Draw(t, "byte")
		}
	case 2:
		data = data[:rapid.IntRange(0, len(data)-1).Draw(t, "length")]
	case 3:
		data = append(data, rapid.SliceOfN(rapid.Byte(), 1, 3).Draw(t, "suffix")...)
	}
	return data
}

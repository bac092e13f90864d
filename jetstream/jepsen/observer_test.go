package jepsen

import (
	"testing"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/wire"
)

// logged is one entry of a test log: kind, at time at, of the
// transaction txn (0 for a tick).
type logged struct {
	kind wire.EntryKind
	txn  int64
	at   int64
}

// testLogs builds logs where every transaction runs on streams a and b
// with deadline 50.
func testLogs(streams map[string][]logged) map[string][]wire.LogEntry {
	logs := map[string][]wire.LogEntry{}
	for stream, entries := range streams {
		for i, e := range entries {
			entry := wire.Entry{Kind: e.kind, Txn: clock.Timestamp{WallNanos: e.txn, Node: 1 << 31}, DeadlineNanos: 50}
			if e.kind == wire.EntryPrepare {
				entry.Participants = []wire.Participant{{Stream: "a"}, {Stream: "b"}}
			}
			logs[stream] = append(logs[stream], wire.LogEntry{Position: uint64(i + 1),
				Timestamp: clock.Timestamp{WallNanos: e.at}, Payload: entry.Encode()})
		}
	}
	return logs
}

// TestClassifyLeaderKills: a kill hits a phase only when the logs show
// the transaction in that phase at the kill's time, on a stream the
// killed server led.
func TestClassifyLeaderKills(t *testing.T) {
	committed := testLogs(map[string][]logged{
		"a": {{wire.EntryPrepare, 1, 10}, {wire.EntryCommit, 1, 30}},
		"b": {{wire.EntryPrepare, 1, 11}, {wire.EntryCommit, 1, 32}},
		"c": {{wire.EntryTick, 0, 5}},
	})
	terminated := testLogs(map[string][]logged{
		"a": {{wire.EntryPrepare, 2, 10}, {wire.EntryTick, 0, 60}, {wire.EntryResolve, 2, 80}},
		"b": {{wire.EntryPrepare, 2, 11}, {wire.EntryTick, 0, 61}, {wire.EntryResolve, 2, 81}},
	})
	cases := []struct {
		name  string
		logs  map[string][]wire.LogEntry
		fault Fault
		want  LeaderKills
	}{
		{"between prepare and commit", committed, Fault{Action: "kill", Led: []string{"a"}, UnixNanos: 20},
			LeaderKills{Prepare: 1}},
		{"between the first commit and the last", committed, Fault{Action: "kill", Led: []string{"b"}, UnixNanos: 31},
			LeaderKills{Commit: 1}},
		{"before any prepare", committed, Fault{Action: "kill", Led: []string{"a"}, UnixNanos: 5}, LeaderKills{}},
		{"after every commit", committed, Fault{Action: "kill", Led: []string{"a"}, UnixNanos: 40}, LeaderKills{}},
		{"the leader of no participant", committed, Fault{Action: "kill", Led: []string{"c"}, UnixNanos: 20},
			LeaderKills{}},
		{"a server that led nothing", committed, Fault{Action: "kill", UnixNanos: 20}, LeaderKills{}},
		{"a restart", committed, Fault{Action: "restart", Led: []string{"a"}, UnixNanos: 20}, LeaderKills{}},
		{"past the deadline, before the resolve", terminated, Fault{Action: "kill", Led: []string{"a"}, UnixNanos: 70},
			LeaderKills{Termination: 1}},
		{"past the deadline, after the resolves", terminated, Fault{Action: "kill", Led: []string{"a"}, UnixNanos: 90},
			LeaderKills{}},
		{"before the deadline, not yet terminating", terminated,
			Fault{Action: "kill", Led: []string{"a"}, UnixNanos: 40}, LeaderKills{Prepare: 1}},
	}
	for _, c := range cases {
		if got := classify(c.logs, []string{"a", "b", "c"}, []Fault{c.fault}); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

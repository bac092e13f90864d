package sim

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Events fire in (time, sequence) order: never earlier than an event
// already fired, and events scheduled for one instant fire in the order
// they were scheduled.
func TestEventsFireInTimeThenSequenceOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newTestWorld(rapid.Uint64().Draw(t, "seed"))
		type fired struct {
			at       int64
			schedule int
		}
		var log []fired
		scheduled := 0
		var plant func(depth int)
		plant = func(depth int) {
			count := rapid.IntRange(0, 4).Draw(t, "count")
			for range count {
				delay := time.Duration(rapid.IntRange(0, 3).Draw(t, "delay")) * time.Millisecond
				order := scheduled
				scheduled++
				w.After(delay, func() {
					log = append(log, fired{at: w.Now(), schedule: order})
					if depth < 3 {
						plant(depth + 1)
					}
				})
			}
		}
		plant(0)
		w.RunFor(time.Second)
		for i := 1; i < len(log); i++ {
			previous, current := log[i-1], log[i]
			if current.at < previous.at {
				t.Fatalf("event %d at %d fired after one at %d", i, current.at, previous.at)
			}
			if current.at == previous.at && current.schedule < previous.schedule {
				t.Fatalf("at %d, event scheduled %d-th fired after the %d-th", current.at, current.schedule, previous.schedule)
			}
		}
		if len(log) != scheduled {
			t.Fatalf("%d of %d events fired", len(log), scheduled)
		}
	})
}

// timerNode sets timers on command and records when each fires.
type timerNode struct {
	setAt     map[uint64]int64
	after     map[uint64]time.Duration
	firedAt   map[uint64]int64
	cancelled map[uint64]bool
	ids       map[uint64]TimerID
}

func (n *timerNode) Start(*NodeContext)              {}
func (n *timerNode) Receive(*NodeContext, Addr, any) {}
func (n *timerNode) Timer(ctx *NodeContext, tag uint64) {
	if _, twice := n.firedAt[tag]; twice {
		ctx.Fail("timer %d fired twice", tag)
	}
	n.firedAt[tag] = ctx.world.Now()
}

func TestTimersNeverFireEarlyAndCancelledNeverFire(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newTestWorld(rapid.Uint64().Draw(t, "seed"))
		timers := &timerNode{setAt: map[uint64]int64{}, after: map[uint64]time.Duration{},
			firedAt: map[uint64]int64{}, cancelled: map[uint64]bool{}, ids: map[uint64]TimerID{}}
		node := w.AddNode(NodeOptions{Factory: func() Node { return timers }})
		w.RunFor(0)
		ctx := w.nodeState(node).context
		count := rapid.IntRange(1, 40).Draw(t, "timers")
		for tag := range uint64(count) {
			at := time.Duration(rapid.IntRange(0, 100).Draw(t, "setAt")) * time.Millisecond
			after := time.Duration(rapid.IntRange(0, 100).Draw(t, "after")) * time.Millisecond
			cancel := rapid.IntRange(0, 4).Draw(t, "cancel") == 0
			w.After(at, func() {
				timers.setAt[tag] = w.Now()
				timers.after[tag] = after
				timers.ids[tag] = ctx.SetTimer(after, tag)
				if cancel {
					w.After(after/2, func() {
						if _, fired := timers.firedAt[tag]; !fired {
							timers.cancelled[tag] = true
							ctx.CancelTimer(timers.ids[tag])
						}
					})
				}
			})
		}
		if result := w.RunFor(time.Second); result.Verdict != VerdictOK {
			t.Fatalf("%s", result.Reason)
		}
		for tag := range uint64(count) {
			firedAt, fired := timers.firedAt[tag]
			switch {
			case timers.cancelled[tag] && fired:
				t.Fatalf("timer %d fired after being cancelled", tag)
			case !timers.cancelled[tag] && !fired:
				t.Fatalf("timer %d never fired", tag)
			case fired && firedAt < timers.setAt[tag]+int64(timers.after[tag]):
				t.Fatalf("timer %d fired at %d, before %d+%d", tag, firedAt, timers.setAt[tag], timers.after[tag])
			}
		}
	})
}

// Partitions block exactly the links they name, and a healed network
// delivers everything.
func TestPartitionsBlockExactlyTheirLinksAndHealDelivers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newTestWorld(rapid.Uint64().Draw(t, "seed"))
		nodeCount := rapid.IntRange(2, 6).Draw(t, "nodes")
		servers := make([]*echoServer, nodeCount)
		for i := range nodeCount {
			servers[i] = &echoServer{}
			server := servers[i]
			w.AddNode(NodeOptions{Factory: func() Node { return server }})
		}
		all := w.Nodes()
		blocked := map[[2]NodeID]bool{}
		for range rapid.IntRange(0, 5).Draw(t, "actions") {
			a := all[rapid.IntRange(0, nodeCount-1).Draw(t, "a")]
			b := all[rapid.IntRange(0, nodeCount-1).Draw(t, "b")]
			switch rapid.IntRange(0, 2).Draw(t, "action") {
			case 0:
				w.Network().Block(a, b)
				if a != b {
					blocked[[2]NodeID{a, b}] = true
				}
			case 1:
				w.Network().Isolate(a, all)
				for _, other := range all {
					if other != a {
						blocked[[2]NodeID{a, other}] = true
						blocked[[2]NodeID{other, a}] = true
					}
				}
			case 2:
				w.Network().Unblock(a, b)
				delete(blocked, [2]NodeID{a, b})
			}
		}
		w.RunFor(0)
		sendAll := func(round int) {
			for _, from := range all {
				for _, to := range all {
					ctx := w.nodeState(from).context
					_ = ctx.Send(Addr{Node: to}, msgPing{Number: round*1000 + int(from)*10 + int(to)})
				}
			}
		}
		sendAll(1)
		w.RunFor(time.Second)
		for _, to := range all {
			for _, from := range all {
				want := !blocked[[2]NodeID{from, to}]
				got := slices.ContainsFunc(servers[to-1].received, func(p msgPing) bool {
					return p.Number == 1000+int(from)*10+int(to)
				})
				if got != want {
					t.Fatalf("n%d->n%d delivered=%t, want %t (blocked=%v)", from, to, got, want, blocked)
				}
			}
		}
		w.Heal()
		sendAll(2)
		w.RunFor(time.Second)
		for _, to := range all {
			delivered := 0
			for _, p := range servers[to-1].received {
				if p.Number >= 2000 && p.Number < 3000 {
					delivered++
				}
			}
			if delivered != nodeCount {
				t.Fatalf("after heal n%d got %d of %d pings", to, delivered, nodeCount)
			}
		}
	})
}

// A crash keeps exactly the synced records; with tearing on, the first
// lost record may survive torn, and reading reports it as corrupt.
func TestCrashLosesExactlyUnsyncedAndTornWritesAreDetected(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newTestWorld(rapid.Uint64().Draw(t, "seed"))
		disk := newDisk()
		files := []string{"a", "b"}
		model := map[string][][]byte{}
		synced := map[string]int{}
		for i := range rapid.IntRange(0, 30).Draw(t, "ops") {
			name := rapid.SampledFrom(files).Draw(t, "file")
			if rapid.IntRange(0, 3).Draw(t, "op") == 0 {
				disk.Sync(name)
				synced[name] = len(model[name])
				continue
			}
			data := []byte(fmt.Sprintf("record-%d-%s", i, rapid.StringN(0, 20, -1).Draw(t, "data")))
			disk.Append(name, data)
			model[name] = append(model[name], data)
		}
		torn := rapid.Bool().Draw(t, "torn")
		faults := diskFaults{}
		if torn {
			faults.tornProbability = 1
		}
		disk.crash(faults, w.Rand("disk"))
		for _, name := range files {
			if model[name] == nil {
				continue
			}
			records, err := disk.Read(name)
			want := model[name][:synced[name]]
			if len(records) != len(want) {
				t.Fatalf("%s: read %d records, want the %d synced", name, len(records), len(want))
			}
			for i := range want {
				if !bytes.Equal(records[i], want[i]) {
					t.Fatalf("%s[%d] = %q, want %q", name, i, records[i], want[i])
				}
			}
			lostSome := len(model[name]) > synced[name]
			if torn && lostSome && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s: a torn record was not reported: %v", name, err)
			}
			if (!torn || !lostSome) && err != nil {
				t.Fatalf("%s: unexpected error %v", name, err)
			}
		}
	})
}

func TestCorruptionIsDetectedAndScanSkipsIt(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newTestWorld(rapid.Uint64().Draw(t, "seed"))
		disk := newDisk()
		count := rapid.IntRange(1, 10).Draw(t, "records")
		for i := range count {
			disk.Append("f", []byte(fmt.Sprintf("r%d", i)))
		}
		disk.Sync("f")
		victim := rapid.IntRange(0, count-1).Draw(t, "victim")
		if !disk.Corrupt("f", victim, w.Rand("corrupt")) {
			t.Fatal("Corrupt did nothing")
		}
		records, err := disk.Scan("f")
		if err != nil {
			t.Fatal(err)
		}
		for i, record := range records {
			if (i == victim) != (record.Err != nil) {
				t.Fatalf("record %d: err=%v, victim=%d", i, record.Err, victim)
			}
			if i != victim && string(record.Data) != fmt.Sprintf("r%d", i) {
				t.Fatalf("record %d = %q", i, record.Data)
			}
		}
	})
}

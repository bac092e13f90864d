package coordinator_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/sim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func kvCluster(seed uint64, streams ...string) *cluster.Cluster {
	var specs []cluster.StreamSpec
	for _, name := range streams {
		specs = append(specs, cluster.StreamSpec{Name: name, Restore: kv.Restore})
	}
	return cluster.New(cluster.Config{Seed: seed, Streams: specs, EngineNodes: 2, Clients: 1,
		VirtualTimeMax: 10 * time.Minute})
}

func TestTwoPhaseCommitAcrossStreamsThenReadOnly(t *testing.T) {
	cluster := kvCluster(1, "a", "b")
	defer cluster.World.Close()
	ctx := context.Background()
	cluster.Spawn("client", func(p *sim.Process, coord *coordinator.Coordinator) {
		tx := coord.Begin(ctx, 5*time.Second)
		if err := kv.New(tx, "a").PutString(ctx, "x", "one"); err != nil {
			p.Fail("put a/x: %v", err)
			return
		}
		if err := kv.New(tx, "b").PutInt(ctx, "y", 2); err != nil {
			p.Fail("put b/y: %v", err)
			return
		}
		if err := tx.Commit(ctx); err != nil {
			p.Fail("commit: %v", err)
			return
		}
		read := coord.BeginReadOnly(ctx)
		x, found, err := kv.New(read, "a").GetString(ctx, "x")
		if err != nil || !found || x != "one" {
			p.Fail("read a/x = %q %t %v", x, found, err)
		}
		y, found, err := kv.New(read, "b").GetInt(ctx, "y")
		if err != nil || !found || y != 2 {
			p.Fail("read b/y = %d %t %v", y, found, err)
		}
		cancelled := coord.Begin(ctx, 5*time.Second)
		if err := kv.New(cancelled, "a").PutString(ctx, "z", "ghost"); err != nil {
			p.Fail("put a/z: %v", err)
		}
		if err := cancelled.Rollback(ctx); err != nil {
			p.Fail("rollback: %v", err)
		}
		after := coord.BeginReadOnly(ctx)
		if _, found, err := kv.New(after, "a").GetString(ctx, "z"); err != nil || found {
			p.Fail("a rolled-back write is visible: found=%t err=%v", found, err)
		}
		if err := cancelled.Commit(ctx); !errors.Is(err, coordinator.ErrInvalidArgument) && err == nil {
			p.Fail("commit after rollback succeeded")
		}
	})
	result := cluster.World.Run()
	if result.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s\n%s", result.Failure, result.Reason, result.Detail)
	}
	t.Logf("events=%d virtual=%v", result.Events, time.Duration(result.VirtualNanos))
}

// TestCoordinatorsShareAClock: coordinators given one TimestampSource (and
// one RequestSource) order their transactions after everything any of them
// saw. client2's clock is 10s behind: with its own HLC its read-only
// snapshot is in the logs' past and misses the commit client1 made a
// second earlier; with the shared HLC it sees it, and its transaction id
// is after that commit.
func TestCoordinatorsShareAClock(t *testing.T) {
	for _, shared := range []bool{false, true} {
		c := cluster.New(cluster.Config{Seed: 1, Streams: []cluster.StreamSpec{{Name: "a", Restore: kv.Restore},
			{Name: "b", Restore: kv.Restore}}, EngineNodes: 2, Clients: 2, VirtualTimeMax: time.Minute})
		c.World.Clock(c.Clients[1]).Jump(-int64(10 * time.Second))
		config := coordinator.Config{Log: cluster.Address(sim.Addr{Node: c.Log}), Processor: c.ProcessorAddress}
		if shared {
			config.Timestamps = clock.NewHLC(c.World.Clock(c.Clients[0]), 1)
			config.Requests = &coordinator.Requests{Origin: 1}
		}
		ctx := context.Background()
		var committedAt clock.Timestamp
		var laterID engines.TxnID
		var found bool
		spawn := func(index int, fn func(p *sim.Process, coord *coordinator.Coordinator)) {
			c.World.Spawn(c.Clients[index], fmt.Sprintf("client%d", index+1), func(p *sim.Process) {
				config := config
				config.ID = uint32(index + 1)
				coord, err := coordinator.New(cluster.ProcessHost{Process: p}, config)
				if err != nil {
					p.Fail("coordinator: %v", err)
					return
				}
				fn(p, coord)
			})
		}
		spawn(0, func(p *sim.Process, coord *coordinator.Coordinator) {
			tx := coord.Begin(ctx, 5*time.Second)
			if err := kv.New(tx, "a").PutString(ctx, "x", "1"); err != nil {
				p.Fail("put: %v", err)
			}
			if err := kv.New(tx, "b").PutString(ctx, "y", "1"); err != nil {
				p.Fail("put: %v", err)
			}
			if err := tx.Commit(ctx); err != nil {
				p.Fail("commit: %v", err)
			}
			committedAt = tx.CommitTimestamp()
		})
		spawn(1, func(p *sim.Process, coord *coordinator.Coordinator) {
			p.Sleep(time.Second)
			laterID = coord.Begin(ctx, 5*time.Second).ID()
			var err error
			_, found, err = kv.New(coord.BeginReadOnly(ctx), "a").GetString(ctx, "x")
			if err != nil {
				p.Fail("read: %v", err)
			}
		})
		if result := c.World.Run(); result.Verdict != sim.VerdictOK {
			t.Fatalf("shared=%t: %s: %s", shared, result.Failure, result.Reason)
		}
		c.World.Close()
		if committedAt.IsZero() {
			t.Fatalf("shared=%t: client1 did not commit", shared)
		}
		if after := committedAt.Less(laterID); after != shared || found != shared {
			t.Errorf("shared=%t: client2's id %v after the commit at %v: %t; its snapshot saw the commit: %t",
				shared, laterID, committedAt, after, found)
		}
	}
}

// TestCommitDecidedThenFinish: CommitDecided returns at the decision,
// the first Commit acknowledged, with the rest of the commit round still
// in flight in some transactions (not Quiet); Finish drives it to quiet,
// and every participant then has its Commit: a snapshot read of every
// stream sees the writes at once instead of waiting for a termination at
// the deadline.
func TestCommitDecidedThenFinish(t *testing.T) {
	cluster := kvCluster(3, "a", "b", "c")
	defer cluster.World.Close()
	ctx := context.Background()
	const rounds, timeout = 20, 5 * time.Second
	early := 0
	cluster.Spawn("client", func(p *sim.Process, coord *coordinator.Coordinator) {
		for round := range rounds {
			tx := coord.Begin(ctx, timeout)
			for _, stream := range []string{"a", "b", "c"} {
				if err := kv.New(tx, stream).PutInt(ctx, "x", int64(round)); err != nil {
					p.Fail("round %d: put %s/x: %v", round, stream, err)
					return
				}
			}
			if err := tx.CommitDecided(ctx); err != nil {
				p.Fail("round %d: commit: %v", round, err)
				return
			}
			if tx.CommitTimestamp().IsZero() {
				p.Fail("round %d: decided committed without a commit timestamp", round)
				return
			}
			if !tx.Quiet() {
				early++
				tx.Finish(ctx)
				if !tx.Quiet() {
					p.Fail("round %d: not quiet after Finish", round)
					return
				}
			}
			start := p.Now()
			read := coord.BeginReadOnly(ctx)
			for _, stream := range []string{"a", "b", "c"} {
				x, found, err := kv.New(read, stream).GetInt(ctx, "x")
				if err != nil || !found || x != int64(round) {
					p.Fail("round %d: read %s/x = %d %t %v", round, stream, x, found, err)
					return
				}
			}
			if waited := time.Duration(p.Now() - start); waited >= timeout/2 {
				p.Fail("round %d: the snapshot read waited %v: a participant did not get its Commit", round, waited)
				return
			}
		}
	})
	result := cluster.World.Run()
	if result.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s\n%s", result.Failure, result.Reason, result.Detail)
	}
	if early == 0 {
		t.Fatalf("CommitDecided never returned before the end of the commit round in %d transactions", rounds)
	}
	t.Logf("%d of %d transactions answered before their commit round ended", early, rounds)
}

package coordinator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
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

package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/sim"
)

// failoverTransfer is one attempted transfer as its client saw it.
type failoverTransfer struct {
	marker      string
	streams     []string
	outcome     string // committed, aborted, indeterminate
	finishNanos int64  // global virtual time when the client learned the outcome
}

// failoverRun is one seeded run of random transfers on a failover cluster
// whose engine nodes crash.
type failoverRun struct {
	cluster   *Cluster
	transfers []failoverTransfer
	// firstMoveNanos is the global virtual time the runner first moved a
	// stream (0: never).
	firstMoveNanos int64
	moves          int // streams observed on a node other than their first
	initial        map[string]sim.NodeID
	// collected counts the streams whose processor raised its garbage
	// collection watermark by the end of the run.
	collected int
}

const (
	failoverAccounts = 3
	failoverBalance  = 100
)

var failoverStreams = []string{"s1", "s2", "s3", "s4"}

// runFailover crashes engine nodes for longer than the heartbeat timeout
// (scripted) under a random fault plan of the given families, while
// clients run transfers; after healing it checks atomicity, conservation
// and liveness on each stream's current processor.
func runFailover(seed uint64, faults sim.FaultMode) (sim.Result, *failoverRun) {
	var specs []StreamSpec
	for _, name := range failoverStreams {
		specs = append(specs, KV(name))
	}
	cluster := New(Config{Seed: seed, Streams: specs, EngineNodes: 3, Clients: 1, Failover: true,
		CheckpointEvery: 16, DeltasPerCheckpoint: 3, VersionRetention: 5 * time.Second, CollectEvery: 16,
		VirtualTimeMax: 10 * time.Minute, Faults: faults, FaultPhase: 5 * time.Second})
	defer cluster.World.Close()
	run := &failoverRun{cluster: cluster, initial: map[string]sim.NodeID{}}
	for _, stream := range failoverStreams {
		run.initial[stream] = cluster.ProcessorNode(stream)
	}
	ctx := context.Background()
	clientsDone := 0
	const clients = 3
	cluster.Spawn("setup", func(p *sim.Process, coord *coordinator.Coordinator) {
		if !failoverSetup(ctx, p, coord) {
			p.Fail("setup never committed")
			return
		}
		for c := range clients {
			cluster.Spawn(fmt.Sprintf("client%d", c), func(p *sim.Process, coord *coordinator.Coordinator) {
				defer func() { clientsDone++ }()
				run.client(ctx, p, coord, c)
			})
		}
	})
	cluster.Spawn("watcher", func(p *sim.Process, coord *coordinator.Coordinator) {
		for clientsDone < clients || !cluster.World.Healed() {
			run.watch()
			p.Sleep(50 * time.Millisecond)
		}
		p.Sleep(5 * time.Second) // every deadline passes; termination resolves the rest
		run.watch()
		if err := run.check(ctx, coord); err != nil {
			p.Fail("%v", err)
		}
		for _, stream := range failoverStreams {
			if node := cluster.EngineNode(stream); node != nil && node.Processor(stream) != nil &&
				!node.Processor(stream).Watermark().IsZero() {
				run.collected++
			}
		}
	})
	crashes := cluster.World.Rand("test/engine-crashes")
	for i := range 2 {
		at := time.Duration(500+i*1500+crashes.IntN(500)) * time.Millisecond
		downtime := time.Duration(1000+crashes.IntN(2000)) * time.Millisecond
		node := cluster.Engines[crashes.IntN(len(cluster.Engines))]
		cluster.World.After(at, func() { cluster.World.CrashFor(node, downtime) })
	}
	runnerCrashAt := time.Duration(crashes.IntN(4000)) * time.Millisecond
	cluster.World.After(runnerCrashAt, func() { cluster.World.CrashFor(cluster.Runner, 300*time.Millisecond) })
	return cluster.World.Run(), run
}

func failoverSetup(ctx context.Context, p *sim.Process, coord *coordinator.Coordinator) bool {
	for range 100 {
		tx := coord.Begin(ctx, 2*time.Second)
		ok := true
		for _, stream := range failoverStreams {
			for account := range failoverAccounts {
				if ok && kv.New(tx, stream).PutInt(ctx, fmt.Sprintf("acct%d", account), failoverBalance) != nil {
					ok = false
				}
			}
		}
		if ok && tx.Commit(ctx) == nil {
			return true
		}
		_ = tx.Rollback(ctx)
		p.Sleep(50 * time.Millisecond)
	}
	return false
}

// watch notes placement changes.
func (r *failoverRun) watch() {
	for _, stream := range failoverStreams {
		if r.cluster.ProcessorNode(stream) != r.initial[stream] {
			if r.firstMoveNanos == 0 {
				r.firstMoveNanos = r.cluster.World.Now()
			}
			r.moves++
			r.initial[stream] = r.cluster.ProcessorNode(stream)
		}
	}
}

func (r *failoverRun) client(ctx context.Context, p *sim.Process, coord *coordinator.Coordinator, c int) {
	rng := p.Rand()
	for i := range 25 {
		from := failoverStreams[rng.IntN(len(failoverStreams))]
		to := failoverStreams[rng.IntN(len(failoverStreams))]
		fromKey := fmt.Sprintf("acct%d", rng.IntN(failoverAccounts))
		toKey := fmt.Sprintf("acct%d", rng.IntN(failoverAccounts))
		if from == to && fromKey == toKey {
			continue
		}
		record := failoverTransfer{marker: fmt.Sprintf("mark/%d/%d", c, i), streams: slices.Compact([]string{from, to})}
		timeout := time.Duration(200+rng.IntN(1500)) * time.Millisecond
		record.outcome = transferOnce(ctx, coord, timeout, from, fromKey, to, toKey, int64(1+rng.IntN(20)), record.marker)
		record.finishNanos = r.cluster.World.Now()
		r.transfers = append(r.transfers, record)
		p.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
	}
}

// transferOnce moves amount between two accounts and writes the marker on
// every participant, in one transaction.
func transferOnce(ctx context.Context, coord *coordinator.Coordinator, timeout time.Duration, from, fromKey, to, toKey string,
	amount int64, marker string) string {
	tx := coord.Begin(ctx, timeout)
	move := func(stream, key string, delta int64) error {
		balance, _, err := kv.New(tx, stream).GetInt(ctx, key)
		if err != nil {
			return err
		}
		return kv.New(tx, stream).PutInt(ctx, key, balance+delta)
	}
	err := move(from, fromKey, -amount)
	if err == nil {
		err = move(to, toKey, amount)
	}
	for _, stream := range slices.Compact([]string{from, to}) {
		if err == nil {
			err = kv.New(tx, stream).PutString(ctx, marker, "x")
		}
	}
	if err != nil {
		_ = tx.Rollback(ctx)
		return "aborted"
	}
	switch err := tx.Commit(ctx); {
	case err == nil:
		return "committed"
	case errors.Is(err, coordinator.ErrIndeterminate):
		return "indeterminate"
	default:
		return "aborted"
	}
}

// check reads everything at one snapshot: conservation of the total,
// atomicity of every transfer's markers; then that each stream runs only
// on its current node (old owners stopped their copies), and liveness on
// each stream's current processor.
func (r *failoverRun) check(ctx context.Context, coord *coordinator.Coordinator) error {
	read := coord.BeginReadOnly(ctx)
	total := int64(0)
	for _, stream := range failoverStreams {
		for account := range failoverAccounts {
			balance, _, err := kv.New(read, stream).GetInt(ctx, fmt.Sprintf("acct%d", account))
			if err != nil {
				return fmt.Errorf("final read %s/acct%d: %w", stream, account, err)
			}
			total += balance
		}
	}
	if want := int64(len(failoverStreams) * failoverAccounts * failoverBalance); total != want {
		return fmt.Errorf("conservation: total %d, want %d", total, want)
	}
	for _, transfer := range r.transfers {
		if err := checkMarker(ctx, read, transfer); err != nil {
			return err
		}
	}
	for _, id := range r.cluster.Engines {
		node, _ := r.cluster.World.Server(id).(*EngineNode)
		if node == nil {
			return fmt.Errorf("liveness: engine node n%d is down after healing", id)
		}
		for _, stream := range node.Running() {
			if owner := r.cluster.ProcessorNode(stream); owner != id {
				// The old owner learned of the move and stopped its copy.
				return fmt.Errorf("n%d still runs %s, which moved to n%d", id, stream, owner)
			}
		}
	}
	for _, stream := range failoverStreams {
		node := r.cluster.EngineNode(stream)
		if node == nil || node.Processor(stream) == nil {
			return fmt.Errorf("liveness: no processor of %s on %s after healing", stream, r.cluster.PlacementString())
		}
		status := node.Processor(stream).Status()
		if status.Active != 0 || status.Prepared != 0 || status.PendingCommits != 0 || status.Deferred != 0 || !status.Held.IsZero() {
			return fmt.Errorf("liveness: %s still holds %+v after healing", stream, status)
		}
	}
	return nil
}

func checkMarker(ctx context.Context, read *coordinator.ReadTxn, transfer failoverTransfer) error {
	present := 0
	for _, stream := range transfer.streams {
		_, found, err := kv.New(read, stream).GetString(ctx, transfer.marker)
		if err != nil {
			return fmt.Errorf("marker read: %w", err)
		}
		if found {
			present++
		}
	}
	switch {
	case present != 0 && present != len(transfer.streams):
		return fmt.Errorf("atomicity: %s on %d of %d participants (%s)", transfer.marker, present, len(transfer.streams), transfer.outcome)
	case transfer.outcome == "committed" && present == 0:
		return fmt.Errorf("atomicity: %s reported committed but is on no participant", transfer.marker)
	case transfer.outcome == "aborted" && present != 0:
		return fmt.Errorf("atomicity: %s reported aborted but is on every participant", transfer.marker)
	}
	return nil
}

// TestFailoverMovesStreamsAndKeepsCommitting: engine nodes crash for
// longer than the heartbeat timeout; their streams move, transactions keep
// committing after the move, and atomicity, conservation and liveness hold
// on every seed, with and without every other fault family.
func TestFailoverMovesStreamsAndKeepsCommitting(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 10
	}
	for _, mode := range []sim.FaultMode{{}, {Families: sim.FamilyAll}} {
		outcomes := map[string]int{}
		movedRuns, committedAfterMove, collectedRuns := 0, 0, 0
		for seed := uint64(1); seed <= uint64(seeds); seed++ {
			result, run := runFailover(seed, mode)
			if result.Verdict != sim.VerdictOK {
				t.Fatalf("faults %v seed %d: %s: %s\n%s", mode, seed, result.Failure, result.Reason, result.Detail)
			}
			if run.moves > 0 {
				movedRuns++
			}
			if run.collected > 0 {
				collectedRuns++
			}
			for _, transfer := range run.transfers {
				outcomes[transfer.outcome]++
				if run.firstMoveNanos != 0 && transfer.outcome == "committed" && transfer.finishNanos > run.firstMoveNanos {
					committedAfterMove++
				}
			}
		}
		t.Logf("faults %v: %d of %d runs moved streams; %d commits after a move; %d collected; outcomes %v", mode,
			movedRuns, seeds, committedAfterMove, collectedRuns, outcomes)
		if movedRuns < seeds/2 {
			t.Fatalf("faults %v: only %d of %d runs moved a stream", mode, movedRuns, seeds)
		}
		if committedAfterMove == 0 {
			t.Fatalf("faults %v: no transaction committed after a stream moved", mode)
		}
		// The streams restore chains of KV deltas after each crash and
		// collect old versions: garbage collection runs under the faults.
		if collectedRuns < seeds/2 {
			t.Fatalf("faults %v: only %d of %d runs raised a garbage-collection watermark", mode, collectedRuns, seeds)
		}
	}
}

func TestFailoverIsDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		first, _ := runFailover(seed, sim.FaultMode{Families: sim.FamilyAll})
		second, _ := runFailover(seed, sim.FaultMode{Families: sim.FamilyAll})
		if first.Fingerprint != second.Fingerprint {
			t.Fatalf("seed %d: fingerprints %s and %s differ", seed, first.FingerprintHex(), second.FingerprintHex())
		}
	}
}

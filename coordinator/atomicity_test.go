package coordinator_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/sim"
)

// transfer is one attempted transfer as its client saw it.
type transfer struct {
	marker  string
	streams []string
	outcome string // committed, aborted, indeterminate
}

const (
	accountsPerStream = 3
	initialBalance    = 100
)

var bankStreams = []string{"s1", "s2", "s3"}

// runBank runs clients doing random transfers between KV accounts on
// several streams under a fault schedule, then checks, after healing:
// atomicity (each transfer's marker is on all its participants or none;
// committed ones on all; aborted ones on none), conservation (the total
// balance is unchanged), and liveness (no transaction left active,
// prepared or deferred, no lock held).
func runBank(seed uint64, faults sim.FaultMode) (sim.Result, []transfer) {
	cluster := kvCluster(seed, bankStreams...)
	defer cluster.World.Close()
	ctx := context.Background()
	var transfers []transfer
	clientsDone := 0
	const clients = 3
	setup := func(p *sim.Process, coord *coordinator.Coordinator) bool {
		for attempt := 0; attempt < 100; attempt++ {
			tx := coord.Begin(ctx, 2*time.Second)
			ok := true
			for _, stream := range bankStreams {
				for account := range accountsPerStream {
					if err := kv.New(tx, stream).PutInt(ctx, fmt.Sprintf("acct%d", account), initialBalance); err != nil {
						ok = false
						break
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
	cluster.Spawn("setup", func(p *sim.Process, coord *coordinator.Coordinator) {
		if !setup(p, coord) {
			p.Fail("setup never committed")
			return
		}
		for c := range clients {
			cluster.Spawn(fmt.Sprintf("client%d", c), func(p *sim.Process, coord *coordinator.Coordinator) {
				defer func() { clientsDone++ }()
				rng := p.Rand()
				for i := range 15 {
					from := bankStreams[rng.IntN(len(bankStreams))]
					to := bankStreams[rng.IntN(len(bankStreams))]
					fromKey := fmt.Sprintf("acct%d", rng.IntN(accountsPerStream))
					toKey := fmt.Sprintf("acct%d", rng.IntN(accountsPerStream))
					if from == to && fromKey == toKey {
						continue
					}
					amount := int64(1 + rng.IntN(20))
					record := transfer{marker: fmt.Sprintf("mark/%d/%d", c, i), streams: slices.Compact([]string{from, to})}
					timeout := time.Duration(80+rng.IntN(900)) * time.Millisecond
					record.outcome = doTransfer(ctx, coord, timeout, from, fromKey, to, toKey, amount, record.marker)
					transfers = append(transfers, record)
					p.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
				}
			})
		}
	})
	cluster.Spawn("checker", func(p *sim.Process, coord *coordinator.Coordinator) {
		for clientsDone < clients || !cluster.World.Healed() {
			p.Sleep(100 * time.Millisecond)
		}
		p.Sleep(5 * time.Second) // every deadline passes; termination resolves the rest
		if err := checkBank(ctx, coord, cluster, transfers); err != nil {
			p.Fail("%v", err)
		}
	})
	plan := sim.DrawFaultPlan(faults, cluster.World.Rand("faults/plan"), 4*time.Second)
	cluster.World.StartFaults(plan)
	return cluster.World.Run(), transfers
}

// doTransfer moves amount between two accounts and writes the marker on
// every participant, in one transaction.
func doTransfer(ctx context.Context, coord *coordinator.Coordinator, timeout time.Duration, from, fromKey, to, toKey string,
	amount int64, marker string) string {
	tx := coord.Begin(ctx, timeout)
	step := func() error {
		source := kv.New(tx, from)
		balance, _, err := source.GetInt(ctx, fromKey)
		if err != nil {
			return err
		}
		if err := source.PutInt(ctx, fromKey, balance-amount); err != nil {
			return err
		}
		target := kv.New(tx, to)
		balance, _, err = target.GetInt(ctx, toKey)
		if err != nil {
			return err
		}
		if err := target.PutInt(ctx, toKey, balance+amount); err != nil {
			return err
		}
		for _, stream := range slices.Compact([]string{from, to}) {
			if err := kv.New(tx, stream).PutString(ctx, marker, "x"); err != nil {
				return err
			}
		}
		return nil
	}
	if err := step(); err != nil {
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

func checkBank(ctx context.Context, coord *coordinator.Coordinator, cluster *cluster.Cluster, transfers []transfer) error {
	read := coord.BeginReadOnly(ctx)
	total := int64(0)
	for _, stream := range bankStreams {
		for account := range accountsPerStream {
			balance, _, err := kv.New(read, stream).GetInt(ctx, fmt.Sprintf("acct%d", account))
			if err != nil {
				return fmt.Errorf("final read %s/acct%d: %w", stream, account, err)
			}
			total += balance
		}
	}
	if want := int64(len(bankStreams) * accountsPerStream * initialBalance); total != want {
		return fmt.Errorf("conservation: total %d, want %d", total, want)
	}
	for _, transfer := range transfers {
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
	}
	for _, stream := range bankStreams {
		node := cluster.EngineNode(stream)
		if node == nil {
			return fmt.Errorf("liveness: the engine node of %s is down after healing", stream)
		}
		status := node.Processor(stream).Status()
		if status.Active != 0 || status.Prepared != 0 || status.PendingCommits != 0 || status.Deferred != 0 || !status.Held.IsZero() {
			return fmt.Errorf("liveness: %s still holds %+v after healing", stream, status)
		}
	}
	return nil
}

func TestBankAtomicityUnderAllFaults(t *testing.T) {
	seeds := 500
	if testing.Short() {
		seeds = 50
	}
	outcomes := map[string]int{}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		result, transfers := runBank(seed, sim.FaultMode{Families: sim.FamilyAll})
		if result.Verdict != sim.VerdictOK {
			t.Fatalf("seed %d: %s: %s\n%s", seed, result.Failure, result.Reason, result.Detail)
		}
		for _, transfer := range transfers {
			outcomes[transfer.outcome]++
		}
	}
	t.Logf("outcomes over %d seeds: %v", seeds, outcomes)
	if outcomes["committed"] == 0 || outcomes["aborted"] == 0 {
		t.Fatalf("faults never forced both commits and aborts: %v", outcomes)
	}
}

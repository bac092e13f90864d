package coordinator_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/sim"
	"pgregory.net/rapid"
)

// TestSpeculationIsSerializable: the same random programs, run with
// speculation off and on (with thresholds from strict to so lax that
// most predictions fail, prepared ahead or not), on a cluster of three KV streams with clients
// contending for a few keys. Either way, every committed transaction saw
// exactly what running the committed transactions one at a time in
// commit-timestamp order shows it, and every read-only transaction saw
// the state after exactly the commits at or before its snapshot. The
// programs' shapes make predictions right (arguments only), wrong (writes
// computed from reads), and unused (a write only when a read is even).
func TestSpeculationIsSerializable(t *testing.T) {
	preparedAhead := 0
	defer func() {
		if !t.Failed() && preparedAhead == 0 {
			t.Error("no transaction prepared ahead in any run")
		}
		t.Logf("%d transactions prepared ahead", preparedAhead)
	}()
	rapid.Check(t, func(t *rapid.T) {
		programs := drawPrograms(t)
		seed := rapid.Uint64Range(1, 1<<30).Draw(t, "seed")
		prediction := coordinator.PredictorConfig{
			ReadWrite: coordinator.Confidence{SeenMin: rapid.IntRange(1, 4).Draw(t, "seen"),
				RateMin: rapid.SampledFrom([]float64{0.2, 0.5, 0.9}).Draw(t, "rate")},
			ReadOnly:     coordinator.Confidence{SeenMin: 1, RateMin: 0.5},
			Window:       rapid.SampledFrom([]int{4, 64}).Draw(t, "window"),
			PrepareAhead: rapid.Bool().Draw(t, "prepare-ahead"),
		}
		for _, speculate := range []bool{false, true} {
			history, stats := runPrograms(t, seed, programs, speculate, prediction)
			if err := checkSerial(history); err != nil {
				t.Fatalf("speculation %t: %v", speculate, err)
			}
			if !speculate && stats != (coordinator.PredictorStats{}) {
				t.Fatalf("speculation off, yet %+v", stats)
			}
			if stats.ReadWrite.PreparedAhead != 0 && !prediction.PrepareAhead {
				t.Fatalf("prepare-ahead off, yet %+v", stats)
			}
			preparedAhead += stats.ReadWrite.PreparedAhead
		}
	})
}

// Each program runs one transaction of a category with arguments.
type program struct {
	category string
	keys     []string
	value    int64
}

var propertyStreams = []string{"s1", "s2", "s3"}

func drawPrograms(t *rapid.T) [][]program {
	key := rapid.SampledFrom([]string{"k0", "k1", "k2", "k3"})
	category := rapid.SampledFrom([]string{"transfer", "stamp", "maybe", "scan"})
	clients := rapid.IntRange(1, 4).Draw(t, "clients")
	all := make([][]program, clients)
	for c := range all {
		for range rapid.IntRange(1, 25).Draw(t, "transactions") {
			all[c] = append(all[c], program{category: category.Draw(t, "category"),
				keys: []string{key.Draw(t, "key"), key.Draw(t, "key")}, value: rapid.Int64Range(0, 9).Draw(t, "value")})
		}
	}
	return all
}

// observed is one operation as its transaction saw it.
type observed struct {
	stream, key string
	write       bool
	value       int64
	found       bool
}

// finished is a committed read-write transaction (at its commit
// timestamp) or a read-only one (at its snapshot).
type finished struct {
	at         clock.Timestamp
	readOnly   bool
	operations []observed
	name       string
}

func runPrograms(t *rapid.T, seed uint64, programs [][]program, speculate bool,
	prediction coordinator.PredictorConfig) ([]finished, coordinator.PredictorStats) {
	mode := cluster.SpeculationOff
	if speculate {
		mode = cluster.SpeculationOn
	}
	c := cluster.New(cluster.Config{Seed: seed, Streams: []cluster.StreamSpec{cluster.KV("s1"), cluster.KV("s2"),
		cluster.KV("s3")}, EngineNodes: 2, Clients: 2, VirtualTimeMax: time.Hour, Speculation: mode,
		Prediction: prediction})
	defer c.World.Close()
	var history []finished
	var failure error
	for client, list := range programs {
		c.Spawn(fmt.Sprintf("client%d", client), func(p *sim.Process, coord *coordinator.Coordinator) {
			for i, prog := range list {
				done, err := prog.run(coord)
				if err != nil && failure == nil {
					failure = fmt.Errorf("client %d program %d (%s): %w", client, i, prog.category, err)
				}
				if done != nil {
					done.name = fmt.Sprintf("client %d program %d (%s)", client, i, prog.category)
					history = append(history, *done)
				}
			}
		})
	}
	result := c.World.Run()
	if result.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s\n%s", result.Failure, result.Reason, result.Detail)
	}
	if failure != nil {
		t.Fatal(failure)
	}
	return history, c.SpeculationStats()
}

// run runs the program; it returns the finished transaction, nil when it
// aborted (which is fine), and an error for anything else.
func (prog program) run(coord *coordinator.Coordinator) (*finished, error) {
	ctx := context.Background()
	arguments := []value.Value{value.String(prog.keys[0]), value.String(prog.keys[1]), value.Int(prog.value)}
	if prog.category == "scan" {
		read := coord.BeginReadOnlyCategory(ctx, prog.category, arguments...)
		done := &finished{at: read.Snapshot(), readOnly: true}
		for i, stream := range propertyStreams {
			if err := done.get(ctx, read, stream, prog.keys[i%2]); err != nil {
				return nil, err
			}
		}
		return done, nil
	}
	tx := coord.BeginCategory(ctx, 5*time.Second, prog.category, arguments...)
	done := &finished{}
	err := prog.body(ctx, tx, done)
	if err == nil {
		err = tx.Commit(ctx)
	} else {
		_ = tx.Rollback(ctx)
	}
	switch {
	case err == nil:
		done.at = tx.CommitTimestamp()
		return done, nil
	case errors.Is(err, engines.ErrAborted):
		return nil, nil
	}
	return nil, err
}

func (prog program) body(ctx context.Context, tx *coordinator.Txn, done *finished) error {
	first, second := prog.keys[0], prog.keys[1]
	switch prog.category {
	case "transfer": // writes computed from reads: predictions of them fail
		if err := done.get(ctx, tx, "s1", first); err != nil {
			return err
		}
		if err := done.get(ctx, tx, "s2", second); err != nil {
			return err
		}
		from, to := done.operations[0].value, done.operations[1].value
		if err := done.put(ctx, tx, "s1", first, from-prog.value); err != nil {
			return err
		}
		return done.put(ctx, tx, "s2", second, to+prog.value)
	case "stamp": // every field an argument: predictions hold
		if err := done.get(ctx, tx, "s3", first); err != nil {
			return err
		}
		if err := done.put(ctx, tx, "s1", second, prog.value); err != nil {
			return err
		}
		return done.put(ctx, tx, "s3", first, prog.value)
	default: // "maybe": the write happens only when the read is even
		if err := done.get(ctx, tx, "s2", first); err != nil {
			return err
		}
		if done.operations[0].value%2 != 0 {
			return nil
		}
		return done.put(ctx, tx, "s2", first, prog.value+1)
	}
}

func (done *finished) get(ctx context.Context, executor engines.Executor, stream, key string) error {
	v, found, err := kv.New(executor, stream).GetInt(ctx, key)
	if err != nil {
		return err
	}
	done.operations = append(done.operations, observed{stream: stream, key: key, value: v, found: found})
	return nil
}

func (done *finished) put(ctx context.Context, executor engines.Executor, stream, key string, v int64) error {
	if err := kv.New(executor, stream).PutInt(ctx, key, v); err != nil {
		return err
	}
	done.operations = append(done.operations, observed{stream: stream, key: key, write: true, value: v})
	return nil
}

// checkSerial replays the committed transactions one at a time in
// commit-timestamp order, each read-only transaction after the commits at
// or before its snapshot, and compares every read with the replay's.
func checkSerial(history []finished) error {
	slices.SortStableFunc(history, func(a, b finished) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		switch {
		case a.readOnly == b.readOnly:
			return 0
		case a.readOnly:
			return 1
		}
		return -1
	})
	state := map[string]int64{}
	for _, txn := range history {
		for _, op := range txn.operations {
			key := op.stream + "/" + op.key
			if op.write {
				state[key] = op.value
				continue
			}
			want, found := state[key]
			if found != op.found || want != op.value {
				return fmt.Errorf("%s at %v read %s = %d (found %t); in commit order it is %d (found %t)",
					txn.name, txn.at, key, op.value, op.found, want, found)
			}
		}
	}
	return nil
}

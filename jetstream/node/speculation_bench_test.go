package node

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
)

// Speculated transactions in BenchmarkLayer: the three-stream read-write
// transaction's shape (on each stream a read, then a write of the key
// read) with bytes the predictor can learn. A counter's increment depends
// on what was read, so no template predicts it; here the key and the
// value written are the transaction's arguments, a fresh value each
// time, so every operation is a template of them.
const (
	// speculatedCategory is the category the transactions begin with.
	speculatedCategory = "bench-read-write"
	// speculatedKey is the key read and written on every stream.
	speculatedKey = "register"
	// speculatedWarmup transactions run before the timed loop, so that
	// the predictor has learned the category (it predicts once 8 did the
	// same, by default).
	speculatedWarmup = 24
	// speculatedFailedMax is the fraction of the timed transactions that
	// may fail to commit (mispredicted or otherwise aborted).
	speculatedFailedMax = 0.05
)

// speculatedClient runs speculated transactions on a node one at a time
// and checks them: a committed transaction read, on every stream, what
// the committed transaction before it wrote.
type speculatedClient struct {
	node    *Node
	streams []string
	// next is the value the last transaction begun wrote; written is the
	// value the last committed one wrote.
	next, written int64
	// Counts of transactions, and of reads that returned another value
	// than written.
	committed, mispredicted, aborted, staleReads int
}

// transaction runs one transaction. A transaction that aborts is counted;
// only another error (an indeterminate outcome) is returned.
func (c *speculatedClient) transaction() error {
	c.next++
	reads, err := speculatedReadWrite(c.node, c.streams, c.next)
	var aborted *coordinator.AbortedError
	switch {
	case errors.Is(err, coordinator.ErrMispredicted):
		c.mispredicted++
		return nil
	case errors.As(err, &aborted):
		c.aborted++
		return nil
	case err != nil:
		return err
	}
	c.committed++
	for _, read := range reads {
		if read != c.written {
			c.staleReads++
		}
	}
	c.written = c.next
	return nil
}

// speculatedReadWrite reads speculatedKey on each stream and writes
// written there, in one transaction begun with its category and its
// arguments (the key and written). It returns the values read.
func speculatedReadWrite(n *Node, streams []string, written int64) ([]int64, error) {
	ctx := context.Background()
	tx := n.BeginCategory(ctx, 5*time.Second, speculatedCategory, value.String(speculatedKey), value.Int(written))
	return readWriteIn(ctx, tx, streams, written)
}

// readWriteIn reads speculatedKey on each stream and writes written
// there, in tx, then commits it. It returns the values read.
func readWriteIn(ctx context.Context, tx *Txn, streams []string, written int64) ([]int64, error) {
	reads := make([]int64, 0, len(streams))
	for _, stream := range streams {
		store := kv.New(tx, stream)
		read, _, err := store.GetInt(ctx, speculatedKey)
		if err != nil {
			_ = tx.Rollback(ctx)
			return nil, err
		}
		reads = append(reads, read)
		if err := store.PutInt(ctx, speculatedKey, written); err != nil {
			_ = tx.Rollback(ctx)
			return nil, err
		}
	}
	return reads, tx.Commit(ctx)
}

// benchSpeculated warms the node's predictor up, measures speculated
// transactions, and checks them: the predictor speculated nearly every
// one, nearly every one committed, every committed one read what the one
// before wrote, and a read-only transaction after the loop reads what the
// last one wrote.
func benchSpeculated(b *testing.B, n *Node, streams []string) {
	c := &speculatedClient{node: n, streams: streams}
	c.written = readSpeculatedKey(b, n, streams)
	c.next = c.written
	for range speculatedWarmup {
		if err := c.transaction(); err != nil {
			b.Fatal(err)
		}
	}
	before := n.predictor.Stats().ReadWrite
	if before.Speculated == 0 {
		b.Fatalf("the predictor speculated none of %d transactions of warm-up", speculatedWarmup)
	}
	c.committed, c.mispredicted, c.aborted = 0, 0, 0
	measure(b, c.transaction)
	after := n.predictor.Stats().ReadWrite
	began, speculated := after.Began-before.Began, after.Speculated-before.Speculated
	total := c.committed + c.mispredicted + c.aborted
	preparedAhead := after.PreparedAhead - before.PreparedAhead
	b.ReportMetric(100*float64(speculated)/float64(began), "speculated-%")
	b.ReportMetric(100*float64(preparedAhead)/float64(began), "prepared-ahead-%")
	b.ReportMetric(100*float64(c.mispredicted)/float64(total), "mispredicted-%")
	b.ReportMetric(100*float64(c.aborted)/float64(total), "aborted-%")
	if float64(speculated) < (1-speculatedFailedMax)*float64(began) {
		b.Errorf("speculated %d of %d transactions", speculated, began)
	}
	if n.config.PrepareAhead != (float64(preparedAhead) >= (1-speculatedFailedMax)*float64(began)) {
		b.Errorf("prepared %d of %d transactions ahead, with Config.PrepareAhead %t", preparedAhead, began,
			n.config.PrepareAhead)
	}
	if float64(c.mispredicted+c.aborted) > speculatedFailedMax*float64(total) {
		b.Errorf("of %d transactions, %d mispredicted and %d aborted otherwise", total, c.mispredicted, c.aborted)
	}
	if c.staleReads != 0 {
		b.Errorf("%d reads of committed transactions returned another value than the last commit's", c.staleReads)
	}
	if final := readSpeculatedKey(b, n, streams); final != c.written {
		b.Errorf("read %d after the loop, want %d (the last commit's)", final, c.written)
	}
}

// readSpeculatedKey reads speculatedKey on every stream in one read-only
// transaction, and returns the value, the same everywhere (zero when
// absent).
func readSpeculatedKey(b *testing.B, n *Node, streams []string) int64 {
	ctx := context.Background()
	tx := n.BeginReadOnly(ctx)
	var values []int64
	for _, stream := range streams {
		read, _, err := kv.New(tx, stream).GetInt(ctx, speculatedKey)
		if err != nil {
			b.Fatal(err)
		}
		values = append(values, read)
	}
	for _, read := range values {
		if read != values[0] {
			b.Fatalf("%s reads %v on streams %v, want the same value on each", speculatedKey, values, streams)
		}
	}
	return values[0]
}

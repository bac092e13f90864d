package stream

import (
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// BenchmarkAppendTransaction: one transaction per iteration, Apply of
// one Append of one value then a one-phase Commit, on the engine alone.
func BenchmarkAppendTransaction(b *testing.B) {
	e := NewEngine()
	operation := encodeAppend([]value.Value{value.Int(42)})
	b.ReportAllocs()
	for i := range int64(b.N) {
		txn := txnID(i + 1)
		if outcome := e.Apply(txn, operation, timestamp(i+1)); outcome.Status != engines.StatusDone {
			b.Fatal(formatOutcome(outcome))
		}
		if err := e.Commit(txn, timestamp(i+1)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFromCommitted: a ReadFrom of 16 committed items per
// iteration, in a read-write transaction that then commits.
func BenchmarkReadFromCommitted(b *testing.B) {
	e := NewEngine()
	values := make([]value.Value, 64)
	for index := range values {
		values[index] = value.Int(int64(index))
	}
	mustDone(b, e.Apply(txnID(1), encodeAppend(values), timestamp(1)))
	if err := e.Commit(txnID(1), timestamp(1)); err != nil {
		b.Fatal(err)
	}
	operation := encodeReadFrom(17, 16)
	b.ReportAllocs()
	for i := range int64(b.N) {
		txn := txnID(i + 2)
		if outcome := e.Apply(txn, operation, timestamp(i+2)); outcome.Status != engines.StatusDone {
			b.Fatal(formatOutcome(outcome))
		}
		if err := e.Commit(txn, timestamp(i+2)); err != nil {
			b.Fatal(err)
		}
	}
}

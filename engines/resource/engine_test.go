package resource

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

func TestClientAgainstEngine(t *testing.T) {
	ctx := context.Background()
	client := New(&autoCommitExecutor{engine: NewEngine()}, "tokens")
	if err := client.Create(ctx, "usd", "USD", 2); err != nil {
		t.Fatal(err)
	}
	if err := client.Create(ctx, "usd", "USD", 2); !errors.Is(err, engines.ErrExists) {
		t.Fatalf("second create: %v, want exists", err)
	}
	if err := client.Create(ctx, "x", "X", 19); !errors.Is(err, engines.ErrInvalid) {
		t.Fatalf("create with 19 decimals: %v, want invalid", err)
	}
	steps := []struct {
		name string
		err  error
		want error
	}{
		{"mint", client.Mint(ctx, "usd", "alice", "10.25"), nil},
		{"transfer", client.Transfer(ctx, "usd", "alice", "bob", "0.25"), nil},
		{"burn", client.Burn(ctx, "usd", "bob", "0.05"), nil},
		{"overdraw", client.Transfer(ctx, "usd", "alice", "bob", "10.01"), engines.ErrInsufficient},
		{"precision", client.Mint(ctx, "usd", "alice", "0.001"), engines.ErrInvalid},
		{"unknown", client.Mint(ctx, "eur", "alice", "1"), engines.ErrNotFound},
	}
	for _, s := range steps {
		if (s.want == nil && s.err != nil) || (s.want != nil && !errors.Is(s.err, s.want)) {
			t.Errorf("%s: %v, want %v", s.name, s.err, s.want)
		}
	}
	for account, want := range map[string]string{"alice": "10", "bob": "0.2"} {
		if got, err := client.Balance(ctx, "usd", account); err != nil || got != want {
			t.Errorf("balance of %s = %q, %v; want %q", account, got, err, want)
		}
	}
	if got, err := client.Supply(ctx, "usd"); err != nil || got != "10.2" {
		t.Errorf("supply = %q, %v; want 10.2", got, err)
	}
	if got, err := client.Metadata(ctx, "usd"); err != nil || got != (Metadata{Symbol: "USD", Decimals: 2}) {
		t.Errorf("metadata = %+v, %v", got, err)
	}
}

func TestBadOperationBytesAreInvalid(t *testing.T) {
	e := NewEngine()
	for _, operation := range [][]byte{
		nil, {0xff}, value.Append(nil, value.Int(3)),
		value.Append(nil, value.List()),
		value.Append(nil, value.List(value.String("steal"), value.String("usd"))),
		value.Append(nil, value.List(value.String("mint"), value.String("usd"))),
		value.Append(nil, value.List(value.String("mint"), value.String("usd"), value.Int(1), value.String("1"))),
		value.Append(nil, value.List(value.String("create"), value.String("usd"), value.String("U"), value.Int(-1))),
	} {
		for _, outcome := range []engines.Outcome{e.Apply(txnID(1), operation, timestamp(1)), e.Read(operation, timestamp(1))} {
			if outcome.Status != engines.StatusFailed || !errors.Is(outcome.Err, engines.ErrInvalid) {
				t.Errorf("operation %x: %s, want failed invalid", operation, showOutcome(outcome))
			}
		}
	}
	e.Abort(txnID(1))
	if held := e.Held(); !held.IsZero() {
		t.Errorf("held %+v after abort", held)
	}
}

func TestRestoreRejectsCorruption(t *testing.T) {
	if engine, err := Restore(nil); err != nil || !engine.Held().IsZero() {
		t.Fatalf("Restore(nil) = %v, %v", engine, err)
	}
	e := NewEngine()
	x := &autoCommitExecutor{engine: e}
	client := New(x, "s")
	ctx := context.Background()
	_ = client.Create(ctx, "usd", "USD", 2)
	_ = client.Mint(ctx, "usd", "alice", "5")
	e.Apply(txnID(100), operation{kind: operationTransfer, token: "usd", from: "alice", to: "bob", amount: "2"}.encode(), timestamp(100))
	data := e.Checkpoint()
	for i := range data {
		corrupted := append([]byte(nil), data...)
		corrupted[i] ^= 0x40
		if _, err := Restore(corrupted); !errors.Is(err, engines.ErrCorruptCheckpoint) {
			t.Fatalf("flipping byte %d: %v, want ErrCorruptCheckpoint", i, err)
		}
	}
	if _, err := Restore(data[:len(data)-1]); !errors.Is(err, engines.ErrCorruptCheckpoint) {
		t.Fatalf("truncated: %v", err)
	}
}

func FuzzDecodeOperation(f *testing.F) {
	f.Add(operation{kind: operationTransfer, token: "usd", from: "a", to: "b", amount: "1.5"}.encode())
	f.Add(operation{kind: operationCreate, token: "usd", symbol: "USD", decimals: 2}.encode())
	f.Add([]byte{0xff, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		e := NewEngine()
		e.Apply(txnID(1), operation{kind: operationCreate, token: "usd", symbol: "USD", decimals: 2}.encode(), timestamp(1))
		e.Apply(txnID(1), operation{kind: operationMint, token: "usd", to: "a", amount: "10"}.encode(), timestamp(1))
		if err := e.Commit(txnID(1), timestamp(2)); err != nil {
			t.Fatal(err)
		}
		e.Apply(txnID(3), data, timestamp(3))
		e.Read(data, timestamp(3))
		if err := e.Commit(txnID(3), timestamp(4)); err != nil {
			t.Fatal(err)
		}
		if _, err := checkInvariants(e); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzRestore(f *testing.F) {
	e := NewEngine()
	e.Apply(txnID(1), operation{kind: operationCreate, token: "usd", symbol: "USD", decimals: 2}.encode(), timestamp(1))
	e.Apply(txnID(1), operation{kind: operationMint, token: "usd", to: "a", amount: "10"}.encode(), timestamp(1))
	f.Add(e.Checkpoint())
	_ = e.Commit(txnID(1), timestamp(2))
	e.Apply(txnID(3), operation{kind: operationBurn, token: "usd", from: "a", amount: "1"}.encode(), timestamp(3))
	f.Add(e.Checkpoint())
	f.Add([]byte("rsc1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		restored, err := Restore(data)
		if err != nil {
			return
		}
		r := restored.(*Engine)
		if _, err := checkInvariants(r); err != nil {
			t.Fatalf("a restored engine fails its invariants: %v", err)
		}
	})
}

// BenchmarkTransfer measures single-transfer transactions through the
// engine alone: Apply Transfer, then a one-phase Commit.
func BenchmarkTransfer(b *testing.B) {
	e := NewEngine()
	x := &autoCommitExecutor{engine: e}
	client := New(x, "s")
	ctx := context.Background()
	if err := client.Create(ctx, "usd", "USD", 2); err != nil {
		b.Fatal(err)
	}
	accounts := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, account := range accounts {
		if err := client.Mint(ctx, "usd", account, "1000000000"); err != nil {
			b.Fatal(err)
		}
	}
	operations := make([][]byte, len(accounts))
	for i := range accounts {
		operations[i] = operation{kind: operationTransfer, token: "usd", from: accounts[i], to: accounts[(i+1)%len(accounts)], amount: "0.01"}.encode()
	}
	clock := x.clock
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		clock++
		txn := txnID(clock)
		if outcome := e.Apply(txn, operations[i%len(operations)], timestamp(clock)); outcome.Status != engines.StatusDone {
			b.Fatal(showOutcome(outcome))
		}
		if err := e.Commit(txn, timestamp(clock)); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzRestoreBody fuzzes what lies behind the checksum: the input is
// sealed with a valid magic and CRC, so the decoder's validation is what
// stands between arbitrary bytes and a panic.
func FuzzRestoreBody(f *testing.F) {
	e := NewEngine()
	e.Apply(txnID(1), operation{kind: operationCreate, token: "usd", symbol: "USD", decimals: 2}.encode(), timestamp(1))
	e.Apply(txnID(1), operation{kind: operationMint, token: "usd", to: "a", amount: "10"}.encode(), timestamp(1))
	_ = e.Commit(txnID(1), timestamp(2))
	e.Apply(txnID(3), operation{kind: operationTransfer, token: "usd", from: "a", to: "b", amount: "1"}.encode(), timestamp(3))
	e.Apply(txnID(4), operation{kind: operationBalance, token: "usd", account: "c"}.encode(), timestamp(3))
	e.Apply(txnID(4), operation{kind: operationSupply, token: "eur"}.encode(), timestamp(3))
	f.Add(e.Checkpoint()[len(checkpointMagic)+4:])
	f.Fuzz(func(t *testing.T, body []byte) {
		sealed := append(slices.Clone(checkpointMagic), binary.BigEndian.AppendUint32(nil, crc32.Checksum(body, castagnoli))...)
		restored, err := Restore(append(sealed, body...))
		if err != nil {
			return
		}
		r := restored.(*Engine)
		if _, err := checkInvariants(r); err != nil {
			t.Fatalf("a restored engine fails its invariants: %v", err)
		}
		// Every restored transaction commits without breaking an invariant.
		for _, txn := range r.transactions.IDs() {
			commitTimestamp := r.transactions.LastCommitTimestamp().Next().Max(r.transactions.Lookup(txn).PrepareTimestamp())
			if err := r.Commit(txn, commitTimestamp); err != nil {
				t.Fatalf("commit of restored txn %v: %v", txn, err)
			}
		}
	})
}

package queue

import (
	"context"
	"errors"
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/internal/enginetest"
)

func TestClientRoundTrips(t *testing.T) {
	ctx := context.Background()
	engine := NewEngine()
	client := New(&enginetest.OneShotExecutor{Engine: engine, Stream: "s"}, "s")
	values := []value.Value{value.String("x"), value.Null(), value.List(value.Int(1), value.Bytes([]byte{0}))}
	for _, value := range values {
		if err := client.Enqueue(ctx, "q", value); err != nil {
			t.Fatal(err)
		}
	}
	if size, err := client.Size(ctx, "q"); err != nil || size != 3 {
		t.Fatalf("size %d, %v", size, err)
	}
	if head, found, err := client.Peek(ctx, "q"); err != nil || !found || !head.Equal(values[0]) {
		t.Fatalf("peek %v %v %v", head, found, err)
	}
	for _, want := range values {
		got, found, err := client.Dequeue(ctx, "q")
		if err != nil || !found || !got.Equal(want) {
			t.Fatalf("dequeue %v %v %v, want %v", got, found, err, want)
		}
	}
	if _, found, err := client.Dequeue(ctx, "q"); err != nil || found {
		t.Fatalf("dequeue of empty queue: found %v, %v", found, err)
	}
	if empty, err := client.IsEmpty(ctx, "q"); err != nil || !empty {
		t.Fatalf("is-empty %v, %v", empty, err)
	}
	if err := client.Enqueue(ctx, "q", value.Int(1)); err != nil {
		t.Fatal(err)
	}
	if err := client.Clear(ctx, "q"); err != nil {
		t.Fatal(err)
	}
	if empty, err := client.IsEmpty(ctx, "q"); err != nil || !empty {
		t.Fatalf("is-empty after clear %v, %v", empty, err)
	}
	if !engine.Held().IsZero() {
		t.Fatalf("held %+v", engine.Held())
	}
}

func TestClientSnapshotReads(t *testing.T) {
	ctx := context.Background()
	engine := NewEngine()
	executor := &enginetest.OneShotExecutor{Engine: engine, Stream: "s"}
	client := New(executor, "s")
	if err := client.Enqueue(ctx, "q", value.Int(7)); err != nil {
		t.Fatal(err)
	}
	executor.ReadOnly = true
	if head, found, err := client.Peek(ctx, "q"); err != nil || !found || !head.Equal(value.Int(7)) {
		t.Fatalf("snapshot peek %v %v %v", head, found, err)
	}
	if size, err := client.Size(ctx, "q"); err != nil || size != 1 {
		t.Fatalf("snapshot size %d, %v", size, err)
	}
	if _, _, err := client.Dequeue(ctx, "q"); !errors.Is(err, engines.ErrReadOnly) {
		t.Fatalf("snapshot dequeue: %v, want ErrReadOnly", err)
	}
	if err := client.Clear(ctx, "q"); !errors.Is(err, engines.ErrReadOnly) {
		t.Fatalf("snapshot clear: %v, want ErrReadOnly", err)
	}
}

func TestClientPassesErrorsAndRejectsBadAnswers(t *testing.T) {
	ctx := context.Background()
	aborted := New(enginetest.FixedExecutor{Err: engines.ErrAborted}, "s")
	if _, _, err := aborted.Dequeue(ctx, "q"); !errors.Is(err, engines.ErrAborted) {
		t.Fatalf("dequeue: %v, want ErrAborted", err)
	}
	if err := aborted.Enqueue(ctx, "q", value.Int(1)); !errors.Is(err, engines.ErrAborted) {
		t.Fatalf("enqueue: %v, want ErrAborted", err)
	}
	for _, answer := range [][]byte{nil, {0xff}, value.Append(nil, value.List(value.Int(1), value.Int(2)))} {
		bad := New(enginetest.FixedExecutor{Answer: answer}, "s")
		checks := map[string]error{}
		_, _, checks["dequeue"] = bad.Dequeue(ctx, "q")
		_, checks["size"] = bad.Size(ctx, "q")
		_, checks["is-empty"] = bad.IsEmpty(ctx, "q")
		checks["clear"] = bad.Clear(ctx, "q")
		for _, name := range []string{"dequeue", "size", "is-empty", "clear"} {
			if !errors.Is(checks[name], engines.ErrBadResult) {
				t.Fatalf("%s of answer %x: %v, want ErrBadResult", name, answer, checks[name])
			}
		}
	}
}

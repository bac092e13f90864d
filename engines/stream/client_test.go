package stream

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
	executor := &enginetest.OneShotExecutor{Engine: engine, Stream: "s"}
	client := New(executor, "s")
	values := []value.Value{value.String("x"), value.Null(), value.List(value.Int(1), value.Bytes([]byte{0}))}
	if err := client.Append(ctx, values[:2]...); err != nil {
		t.Fatal(err)
	}
	if err := client.Append(ctx, values[2]); err != nil {
		t.Fatal(err)
	}
	if latest, err := client.LatestPosition(ctx); err != nil || latest != 3 {
		t.Fatalf("latest position %d, %v", latest, err)
	}
	items, err := client.ReadFrom(ctx, 2, 5)
	if err != nil || len(items) != 2 {
		t.Fatalf("read-from 2: %v, %v", items, err)
	}
	for index, item := range items {
		if item.Position != int64(2+index) || !item.Value.Equal(values[1+index]) {
			t.Fatalf("item %d: %+v, want %v at %d", index, item, values[1+index], 2+index)
		}
	}
	if _, err := client.ReadFrom(ctx, 0, 1); !errors.Is(err, engines.ErrInvalid) {
		t.Fatalf("read-from 0: %v, want ErrInvalid", err)
	}
	executor.ReadOnly = true
	if latest, err := client.LatestPosition(ctx); err != nil || latest != 3 {
		t.Fatalf("snapshot latest position %d, %v", latest, err)
	}
	if items, err := client.ReadFrom(ctx, 3, 1); err != nil || len(items) != 1 || !items[0].Value.Equal(values[2]) {
		t.Fatalf("snapshot read-from 3: %v, %v", items, err)
	}
	if err := client.Append(ctx, value.Int(1)); !errors.Is(err, engines.ErrReadOnly) {
		t.Fatalf("snapshot append: %v, want ErrReadOnly", err)
	}
	if !engine.Held().IsZero() {
		t.Fatalf("held %+v", engine.Held())
	}
}

func TestClientPassesErrorsAndRejectsBadAnswers(t *testing.T) {
	ctx := context.Background()
	aborted := New(enginetest.FixedExecutor{Err: engines.ErrAborted}, "s")
	if err := aborted.Append(ctx, value.Int(1)); !errors.Is(err, engines.ErrAborted) {
		t.Fatalf("append: %v, want ErrAborted", err)
	}
	if _, err := aborted.ReadFrom(ctx, 1, 1); !errors.Is(err, engines.ErrAborted) {
		t.Fatalf("read-from: %v, want ErrAborted", err)
	}
	if _, err := aborted.LatestPosition(ctx); !errors.Is(err, engines.ErrAborted) {
		t.Fatalf("latest-position: %v, want ErrAborted", err)
	}
	for _, answer := range [][]byte{nil, {0xff}, value.Append(nil, value.Int(-1)), value.Append(nil, value.List(value.Int(1), value.Int(2)))} {
		bad := New(enginetest.FixedExecutor{Answer: answer}, "s")
		checks := map[string]error{}
		checks["append"] = bad.Append(ctx, value.Int(1))
		_, checks["read-from"] = bad.ReadFrom(ctx, 1, 1)
		_, checks["latest-position"] = bad.LatestPosition(ctx)
		for _, name := range []string{"append", "read-from", "latest-position"} {
			if !errors.Is(checks[name], engines.ErrBadResult) {
				t.Fatalf("%s of answer %x: %v, want ErrBadResult", name, answer, checks[name])
			}
		}
	}
}

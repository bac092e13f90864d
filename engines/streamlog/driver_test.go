package streamlog

import (
	"errors"
	"fmt"
	"testing"

	"github.com/proven2pc/proven/engines/wire"
	"pgregory.net/rapid"
)

// journalStorage is a Storage that remembers what was appended and synced,
// and fails the operation numbered failAt (0: never).
type journalStorage struct {
	appended   [][]byte
	synced     int // how many of appended a Sync covered
	syncs      int
	operations int
	failAt     int
	failed     bool
}

var errInjected = errors.New("injected storage failure")

func (s *journalStorage) operation() error {
	s.operations++
	if s.failed || s.operations == s.failAt {
		s.failed = true
		return errInjected
	}
	return nil
}

func (s *journalStorage) Append(record []byte) error {
	if err := s.operation(); err != nil {
		return err
	}
	s.appended = append(s.appended, record)
	return nil
}

func (s *journalStorage) Sync() error {
	if err := s.operation(); err != nil {
		return err
	}
	s.synced = len(s.appended)
	s.syncs++
	return nil
}

// TestDriverProperties: the driver persists before it speaks, syncs once
// per Flush that has records, hands out every message of the flushed steps
// in order, and after a storage failure refuses everything and hands out
// nothing more.
func TestDriverProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		storage := &journalStorage{failAt: rapid.IntRange(0, 40).Draw(t, "failAt")}
		reference := New(Config{}, &scriptedClock{nowNanos: 1}, 7)
		driver := NewDriver(New(Config{}, &scriptedClock{nowNanos: 1}, 7), storage)
		var pending []string // the reference's messages since the last Flush
		recordsBeforeFlush := 0
		for step := range rapid.IntRange(1, 30).Draw(t, "steps") {
			if rapid.IntRange(0, 2).Draw(t, "flush") == 0 {
				syncsBefore := storage.syncs
				messages, err := driver.Flush()
				checkFlush(t, storage, driver, messages, err, pending, syncsBefore, recordsBeforeFlush)
				pending, recordsBeforeFlush = nil, len(storage.appended)
				continue
			}
			message := wire.MsgAppend{Request: wire.RequestID{Origin: 1, Sequence: uint64(step)}, ReplyTo: 5,
				Stream: rapid.SampledFrom([]string{"a", "b"}).Draw(t, "stream")}
			if rapid.Bool().Draw(t, "subscribe") {
				message := wire.MsgSubscribe{Stream: "a", Subscriber: 6, From: 1}
				pending = appendFormatted(pending, reference.Step(6, message))
				checkStepError(t, storage, driver.Step(6, message))
				continue
			}
			pending = appendFormatted(pending, reference.Step(5, message))
			checkStepError(t, storage, driver.Step(5, message))
		}
	})
}

func appendFormatted(list []string, ready Ready) []string {
	for _, out := range ready.Messages {
		list = append(list, fmt.Sprintf("%d %s", out.To, formatMessage(out.Message)))
	}
	return list
}

func checkStepError(t *rapid.T, storage *journalStorage, err error) {
	if storage.failed != (err != nil) {
		t.Fatalf("storage failed %t, step error %v", storage.failed, err)
	}
	if err != nil && !errors.Is(err, ErrStorageFailed) {
		t.Fatalf("step error %v does not wrap ErrStorageFailed", err)
	}
}

func checkFlush(t *rapid.T, storage *journalStorage, driver *Driver, messages []Outbound, err error,
	pending []string, syncsBefore, recordsBeforeFlush int) {
	if storage.failed {
		if err == nil || !errors.Is(err, errInjected) || len(messages) != 0 || driver.Err() == nil {
			t.Fatalf("after a storage failure Flush gave %d messages, error %v", len(messages), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if storage.synced != len(storage.appended) {
		t.Fatalf("Flush handed out messages with %d of %d records synced", storage.synced, len(storage.appended))
	}
	wantSyncs := syncsBefore
	if len(storage.appended) > recordsBeforeFlush {
		wantSyncs++
	}
	if storage.syncs != wantSyncs {
		t.Fatalf("Flush synced %d times, want %d", storage.syncs-syncsBefore, wantSyncs-syncsBefore)
	}
	got := make([]string, len(messages))
	for i, out := range messages {
		got[i] = fmt.Sprintf("%d %s", out.To, formatMessage(out.Message))
	}
	if fmt.Sprint(got) != fmt.Sprint(pending) {
		t.Fatalf("Flush handed out %q, want %q", got, pending)
	}
}

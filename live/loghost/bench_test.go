package loghost

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/live/filelog"
	"github.com/proven2pc/proven/live/store"
)

// benchPayload is the size of an appended entry's payload, about a KV
// operation's.
const benchPayload = 100

// BenchmarkAppend measures durable appends through a log host with 1, 16
// and 64 concurrent appenders, each sending an append and waiting for its
// acknowledgement. The baseline, in the same process, is one writer that
// writes and fsyncs each record on its own (what a log without group
// commit pays). Reported: appends/s, and records per fsync (the group
// commit factor).
func BenchmarkAppend(b *testing.B) {
	b.Run("baseline-fsync-each", benchmarkFsyncEach)
	for _, appenders := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("appenders=%d", appenders), func(b *testing.B) { benchmarkAppenders(b, appenders) })
	}
}

func benchmarkFsyncEach(b *testing.B) {
	file, err := os.Create(filepath.Join(b.TempDir(), "baseline"))
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	record := make([]byte, benchPayload+48) // payload plus a stream log record's framing
	b.ResetTimer()
	for range b.N {
		if _, err := file.Write(record); err != nil {
			b.Fatal(err)
		}
		if err := file.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
}

func benchmarkAppenders(b *testing.B, appenders int) {
	replies := make([]chan struct{}, appenders)
	for i := range replies {
		replies[i] = make(chan struct{}, 1)
	}
	deliver := func(to wire.Address, _ any) { replies[to] <- struct{}{} }
	host := openHost(b, filepath.Join(b.TempDir(), "log"), Config{Deliver: deliver}, filelog.Options{})
	defer host.Close()
	payload := make([]byte, benchPayload)
	b.ResetTimer()
	var group sync.WaitGroup
	for appender := range appenders {
		count := b.N / appenders
		if appender < b.N%appenders {
			count++
		}
		group.Go(func() {
			address := wire.Address(appender)
			for sequence := range count {
				message := wire.MsgAppend{Request: wire.RequestID{Origin: uint64(appender + 1), Sequence: uint64(sequence)},
					ReplyTo: address, Stream: "s", Payload: payload}
				if err := host.Send(address, message); err != nil {
					b.Error(err)
					return
				}
				<-replies[appender]
			}
		})
	}
	group.Wait()
	b.StopTimer()
	stats := host.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	b.ReportMetric(float64(stats.Records)/float64(max(stats.Syncs, 1)), "records/fsync")
}

// reopenEntries is the size of the store BenchmarkReopen reopens.
const reopenEntries = 1_000_000

var reopenFixture struct {
	once sync.Once
	dir  string
	err  error
}

// BenchmarkReopen reopens a stream of one million committed entries:
//
//   - whole-log: the log was never trimmed; the host reads and recovers
//     every entry (the baseline);
//   - after-checkpoint: a checkpoint covers all but the last 1000 entries
//     and the log was trimmed below it, as the runtime does; reopening
//     opens the store, reads the newest checkpoint, and recovers the log
//     suffix that remains (up to a segment).
//
// The target is the second under 2 s (the processor's replay of
// the entries after its checkpoint comes on top, in the runtime).
func BenchmarkReopen(b *testing.B) {
	reopenFixture.once.Do(buildReopenFixture)
	if reopenFixture.err != nil {
		b.Fatal(reopenFixture.err)
	}
	b.Run("whole-log", func(b *testing.B) {
		dir := filepath.Join(reopenFixture.dir, "whole")
		for range b.N {
			host := openHost(b, dir, Config{Deliver: func(wire.Address, any) {}}, filelog.Options{})
			if err := host.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/reopen")
	})
	b.Run("after-checkpoint", func(b *testing.B) {
		for range b.N {
			reopenTrimmed(b, filepath.Join(reopenFixture.dir, "trimmed"))
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/reopen")
	})
}

// reopenTrimmed opens the trimmed store, its stream, its newest
// checkpoint and its log host, then closes them.
func reopenTrimmed(b *testing.B, dir string) {
	s, err := store.Open(dir, store.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	stream, err := s.Stream("s", "kv")
	if err != nil {
		b.Fatal(err)
	}
	if _, _, found, err := stream.NewestCheckpoint(); !found || err != nil {
		b.Fatalf("no checkpoint (%v)", err)
	}
	log, records, err := stream.OpenLog()
	if err != nil {
		b.Fatal(err)
	}
	host, err := Start(log, records, Config{Stream: "s", Node: stream.ID(), Deliver: func(wire.Address, any) {},
		Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	if err := host.Close(); err != nil {
		b.Fatal(err)
	}
}

// buildReopenFixture writes the two stores of BenchmarkReopen once.
func buildReopenFixture() {
	dir, err := os.MkdirTemp("", "loghost-reopen-")
	if err != nil {
		reopenFixture.err = err
		return
	}
	reopenFixture.dir = dir
	if err := fillLog(filepath.Join(dir, "whole")); err != nil {
		reopenFixture.err = err
		return
	}
	reopenFixture.err = buildTrimmedStore(filepath.Join(dir, "trimmed"))
}

// fillLog appends reopenEntries entries to the log in dir, in batches of
// 1000 per sync.
func fillLog(dir string) error {
	log, records, err := filelog.Open(dir, filelog.Options{Logger: quiet})
	if err != nil {
		return err
	}
	service, err := streamlog.RecoverSuffix(streamlog.Config{}, &settableClock{}, 1, records)
	if err != nil {
		return err
	}
	driver := streamlog.NewDriver(service, log)
	payload := make([]byte, benchPayload)
	for sequence := range uint64(reopenEntries) {
		if err := driver.Step(1, wire.MsgAppend{Request: wire.RequestID{Origin: 1 + sequence%64, Sequence: sequence},
			ReplyTo: 1, Stream: "s", Payload: payload}); err != nil {
			return err
		}
		if sequence%1000 == 999 {
			if _, err := driver.Flush(); err != nil {
				return err
			}
		}
	}
	if _, err := driver.Flush(); err != nil {
		return err
	}
	return log.Close()
}

// buildTrimmedStore fills a store's stream log, checkpoints all but its
// last 1000 entries, and removes the log below the checkpoint.
func buildTrimmedStore(dir string) error {
	s, err := store.Open(dir, store.Options{Logger: quiet})
	if err != nil {
		return err
	}
	defer s.Close()
	stream, err := s.Stream("s", "kv")
	if err != nil {
		return err
	}
	if err := fillLog(filepath.Join(stream.Dir(), "log")); err != nil {
		return err
	}
	removable, err := stream.WriteCheckpoint(reopenEntries-1000, make([]byte, 1<<20))
	if err != nil {
		return err
	}
	log, records, err := stream.OpenLog()
	if err != nil {
		return err
	}
	host, err := Start(log, records, Config{Stream: "s", Node: stream.ID(), Deliver: func(wire.Address, any) {},
		Logger: quiet})
	if err != nil {
		return err
	}
	_, err = host.RemoveBelow(removable)
	if closeErr := host.Close(); err == nil {
		err = closeErr
	}
	return err
}

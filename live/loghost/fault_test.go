package loghost

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/live/filelog"
	"github.com/proven2pc/proven/live/files"
	"github.com/proven2pc/proven/live/internal/faultfs"
	"pgregory.net/rapid"
)

// TestFailedWritesLoseNothingAcknowledged: a failed or short write, or a
// failed fsync, at a random point stops the host: no message of the
// failed batch is delivered, every later Send is refused, Close reports
// the failure; after a crash, the reopened log holds every acknowledged
// append at the position and timestamp its reply named, and nothing but
// appends that were sent.
func TestFailedWritesLoseNothingAcknowledged(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		root, err := os.MkdirTemp("", "loghost-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(root)
		dir := filepath.Join(root, "log")
		fsys := faultfs.New(files.OS)
		var mutex sync.Mutex
		acknowledged := map[uint64]wire.MsgAppendReply{}
		replies := make(chan struct{}, 1<<10)
		deliver := func(_ wire.Address, message any) {
			mutex.Lock()
			defer mutex.Unlock()
			reply := message.(wire.MsgAppendReply)
			acknowledged[reply.Request.Sequence] = reply
			replies <- struct{}{}
		}
		frozen := &settableClock{}
		host := openHost(t, dir, Config{Deliver: deliver, Clock: frozen},
			filelog.Options{FS: fsys, SegmentBytesMax: rapid.Int64Range(64, 512).Draw(t, "segmentBytesMax")})
		fsys.Inject(faultfs.Fault{Op: rapid.SampledFrom([]faultfs.Op{faultfs.OpWrite, faultfs.OpSync}).Draw(t, "op"),
			Countdown: rapid.IntRange(1, 12).Draw(t, "countdown"), ShortBytes: rapid.IntRange(0, 60).Draw(t, "short")})
		sent := map[string]bool{}
		sequence := uint64(0)
		for stopped := false; !stopped && sequence < 200; {
			burst := rapid.IntRange(1, 10).Draw(t, "burst")
			for range burst {
				message := appendMessage(1, sequence, 1)
				sequence++
				if err := host.Send(1, message); err != nil {
					checkRefusal(t, host, err)
					stopped = true
					break
				}
				sent[string(message.Payload)] = true
			}
			for waited := 0; !stopped && waited < burst; waited++ {
				select {
				case <-replies:
				case <-host.Done():
					stopped = true
				}
			}
		}
		closeErr := host.Close()
		if (host.Err() != nil && !errors.Is(host.Err(), ErrClosed)) != (closeErr != nil) {
			t.Fatalf("Close: %v, Err: %v", closeErr, host.Err())
		}
		if _, err := fsys.Crash(rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 0))); err != nil {
			t.Fatal(err)
		}
		checkReopened(t, dir, acknowledged, sent)
	})
}

// checkRefusal: a Send refused after a failure names the storage failure.
func checkRefusal(t *rapid.T, host *Host, err error) {
	<-host.Done()
	if !errors.Is(err, streamlog.ErrStorageFailed) && !errors.Is(err, filelog.ErrFailed) {
		t.Fatalf("Send after the failure: %v", err)
	}
	if !errors.Is(host.Err(), faultfs.ErrInjected) {
		t.Fatalf("host error %v is not the injected failure", host.Err())
	}
}

func checkReopened(t *rapid.T, dir string, acknowledged map[uint64]wire.MsgAppendReply, sent map[string]bool) {
	log, records, err := filelog.Open(dir, filelog.Options{Logger: quiet})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer log.Close()
	service, err := streamlog.RecoverSuffix(streamlog.Config{}, &settableClock{}, 0, records)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	head, _ := service.Head("s")
	for _, entry := range service.Read("s", 1, len(records)) {
		if !sent[string(entry.Payload)] {
			t.Fatalf("entry %d holds %q, which was never sent", entry.Position, entry.Payload)
		}
	}
	for _, reply := range acknowledged {
		entries := service.Read("s", reply.Position, 1)
		if reply.Position > head || len(entries) != 1 || entries[0].Timestamp != reply.Timestamp {
			t.Fatalf("acknowledged append %+v is not in the reopened log (head %d)", reply, head)
		}
	}
}

package loghost

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/streamlog"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/live/filelog"
	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind, and removes
// BenchmarkReopen's fixture.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if reopenFixture.dir != "" {
			os.RemoveAll(reopenFixture.dir)
		}
	}))
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// waitMax bounds every wait for the host: reaching it fails the test (it
// is never a timing assertion).
const waitMax = 20 * time.Second

// settableClock is a physical clock the test sets (it may go back).
type settableClock struct{ nowNanos atomic.Int64 }

func (c *settableClock) Now() int64 { return c.nowNanos.Load() }

// mailboxes collects what a host delivers, per address.
type mailboxes struct {
	mutex sync.Mutex
	boxes map[wire.Address]chan any
}

func newMailboxes() *mailboxes { return &mailboxes{boxes: map[wire.Address]chan any{}} }

func (m *mailboxes) box(address wire.Address) chan any {
	m.mutex.Lock()
	defer m.mutex.Unlock()
	if m.boxes[address] == nil {
		m.boxes[address] = make(chan any, 1<<16)
	}
	return m.boxes[address]
}

func (m *mailboxes) deliver(to wire.Address, message any) { m.box(to) <- message }

// receive waits for the next message delivered to address.
func (m *mailboxes) receive(t testing.TB, address wire.Address) any {
	t.Helper()
	select {
	case message := <-m.box(address):
		return message
	case <-time.After(waitMax):
		t.Fatalf("nothing delivered to %d within %v", address, waitMax)
		return nil
	}
}

// fataler is what openHost needs of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

// openHost opens the log in dir and starts a host of stream "s" on it.
func openHost(t fataler, dir string, config Config, options filelog.Options) *Host {
	t.Helper()
	options.Logger = quiet
	log, records, err := filelog.Open(dir, options)
	if err != nil {
		t.Fatal(err)
	}
	config.Stream, config.Logger = "s", quiet
	host, err := Start(log, records, config)
	if err != nil {
		t.Fatal(err)
	}
	return host
}

func appendMessage(origin, sequence uint64, replyTo wire.Address) wire.MsgAppend {
	return wire.MsgAppend{Request: wire.RequestID{Origin: origin, Sequence: sequence}, ReplyTo: replyTo,
		Stream: "s", Payload: fmt.Appendf(nil, "%d:%d", origin, sequence)}
}

// TestConcurrentAppendsAcrossRestarts: appends from many goroutines are
// each answered once; positions are contiguous and timestamps strictly
// increase, also after a restart onto a clock that went back; the
// restarted log holds every acknowledged entry.
func TestConcurrentAppendsAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	physical := &settableClock{}
	physical.nowNanos.Store(1_000_000)
	mail := newMailboxes()
	var last clock.Timestamp
	var position uint64
	for restart := range 3 {
		host := openHost(t, dir, Config{Clock: physical, Node: 7, Deliver: mail.deliver},
			filelog.Options{SegmentBytesMax: 512})
		const appenders, appends = 8, 25
		var group sync.WaitGroup
		replies := make([][]wire.MsgAppendReply, appenders)
		for appender := range appenders {
			group.Go(func() {
				address := wire.Address(100 + appender)
				for sequence := range appends {
					origin := uint64(restart*appenders + appender + 1)
					if err := host.Send(address, appendMessage(origin, uint64(sequence), address)); err != nil {
						t.Error(err)
						return
					}
					replies[appender] = append(replies[appender], mail.receive(t, address).(wire.MsgAppendReply))
				}
			})
		}
		group.Wait()
		byPosition := map[uint64]clock.Timestamp{}
		for _, list := range replies {
			for _, reply := range list {
				byPosition[reply.Position] = reply.Timestamp
			}
		}
		for range appenders * appends {
			position++
			timestamp, ok := byPosition[position]
			if !ok || !last.Less(timestamp) {
				t.Fatalf("restart %d: position %d answered %t with %v after %v", restart, position, ok, timestamp, last)
			}
			last = timestamp
		}
		if err := host.Close(); err != nil {
			t.Fatal(err)
		}
		physical.nowNanos.Add(-500_000) // the clock goes back across the restart
	}
	log, records, err := filelog.Open(dir, filelog.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if len(records) != int(position) {
		t.Fatalf("%d records after restarts, want %d", len(records), position)
	}
}

// TestConcurrentAppendsShareOneSync: while the host is busy delivering
// one batch, every append sent meanwhile waits in the inbox and the next
// batch syncs them all at once.
func TestConcurrentAppendsShareOneSync(t *testing.T) {
	release := make(chan struct{})
	first := make(chan struct{})
	var delivered atomic.Int64
	mail := newMailboxes()
	deliver := func(to wire.Address, message any) {
		if delivered.Add(1) == 1 {
			close(first)
			<-release // hold the host inside the first batch's delivery
		}
		mail.deliver(to, message)
	}
	frozen := &settableClock{} // no tick entries: the clock does not move
	host := openHost(t, filepath.Join(t.TempDir(), "log"), Config{Deliver: deliver, Clock: frozen}, filelog.Options{})
	defer host.Close()
	if err := host.Send(1, appendMessage(1, 0, 1)); err != nil {
		t.Fatal(err)
	}
	<-first
	const waiting = 99
	for sequence := 1; sequence <= waiting; sequence++ {
		if err := host.Send(1, appendMessage(1, uint64(sequence), 1)); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	for range waiting + 1 {
		mail.receive(t, 1)
	}
	if stats := host.Stats(); stats.Records != waiting+1 || stats.Syncs != 2 {
		t.Fatalf("stats %+v: want %d records in 2 syncs", stats, waiting+1)
	}
}

// TestInboxBound: with the host held in a delivery, the inbox takes
// InboxMax messages and refuses the next one.
func TestInboxBound(t *testing.T) {
	release, first := make(chan struct{}), make(chan struct{})
	var once sync.Once
	deliver := func(wire.Address, any) { once.Do(func() { close(first); <-release }) }
	host := openHost(t, filepath.Join(t.TempDir(), "log"), Config{Deliver: deliver, InboxMax: 2}, filelog.Options{})
	defer host.Close()
	if err := host.Send(1, appendMessage(1, 0, 1)); err != nil {
		t.Fatal(err)
	}
	<-first
	for sequence := uint64(1); sequence <= 2; sequence++ {
		if err := host.Send(1, appendMessage(1, sequence, 1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := host.Send(1, appendMessage(1, 3, 1)); !errors.Is(err, ErrInboxFull) {
		t.Fatalf("third waiting message: %v, want ErrInboxFull", err)
	}
	close(release)
}

// TestSendRefusesWhatItCannotServe: messages for another stream, or that
// are not log messages, are refused; after Close everything is.
func TestSendRefusesWhatItCannotServe(t *testing.T) {
	host := openHost(t, filepath.Join(t.TempDir(), "log"), Config{Deliver: func(wire.Address, any) {}},
		filelog.Options{})
	if err := host.Send(1, wire.MsgSubscribe{Stream: "other", Subscriber: 1}); !errors.Is(err, ErrWrongStream) {
		t.Errorf("another stream: %v", err)
	}
	if err := host.Send(1, wire.MsgVote{}); !errors.Is(err, ErrUnknownMessage) {
		t.Errorf("a vote: %v", err)
	}
	if err := host.Close(); err != nil {
		t.Fatal(err)
	}
	if err := host.Send(1, appendMessage(1, 1, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if _, err := host.RemoveBelow(1); !errors.Is(err, ErrClosed) {
		t.Errorf("RemoveBelow after Close: %v", err)
	}
	if err := host.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

// TestStartRefusesAnotherStreamsLog: a log holding another stream's
// records is not this stream's log.
func TestStartRefusesAnotherStreamsLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	log, _, err := filelog.Open(dir, filelog.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	driver := streamlog.NewDriver(streamlog.New(streamlog.Config{}, clock.Real{}, 1), log)
	if err := driver.Step(1, wire.MsgAppend{Stream: "other", ReplyTo: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := driver.Flush(); err != nil {
		t.Fatal(err)
	}
	log.Close()
	log, records, err := filelog.Open(dir, filelog.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if _, err := Start(log, records, Config{Stream: "s", Deliver: func(wire.Address, any) {}}); !errors.Is(err, ErrBadLog) {
		t.Fatalf("Start on another stream's log: %v", err)
	}
}

// TestSubscribeReadAndTicks: a subscriber gets the entries from its start
// and every later one, ticks included (an idle stream's time advances on
// the real clock); a read returns entries and the head.
func TestSubscribeReadAndTicks(t *testing.T) {
	mail := newMailboxes()
	host := openHost(t, filepath.Join(t.TempDir(), "log"),
		Config{Deliver: mail.deliver, Service: streamlog.Config{TickInterval: time.Millisecond}}, filelog.Options{})
	defer host.Close()
	if err := host.Send(1, appendMessage(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	mail.receive(t, 1)
	if err := host.Send(2, wire.MsgSubscribe{Stream: "s", From: 1, Subscriber: 2}); err != nil {
		t.Fatal(err)
	}
	var next uint64 = 1
	for sawTick := false; !sawTick; {
		for _, entry := range mail.receive(t, 2).(wire.MsgEntries).Entries {
			if entry.Position != next {
				t.Fatalf("subscriber got position %d, want %d", entry.Position, next)
			}
			next++
			decoded, err := wire.DecodeEntry(entry.Payload)
			sawTick = sawTick || (err == nil && decoded.Kind == wire.EntryTick)
		}
	}
	if err := host.Send(3, wire.MsgReadLog{ReplyTo: 3, Stream: "s", From: 1, CountMax: 1}); err != nil {
		t.Fatal(err)
	}
	reply := mail.receive(t, 3).(wire.MsgReadLogReply)
	if len(reply.Entries) != 1 || string(reply.Entries[0].Payload) != "1:1" || reply.HeadPosition < 2 {
		t.Fatalf("read reply %+v", reply)
	}
}

// openSmallSegments opens a host on 256-byte segments and appends 40
// entries, one batch each, so that segments fill one by one.
func openSmallSegments(t *testing.T) (string, filelog.Options, *mailboxes, *Host) {
	dir := filepath.Join(t.TempDir(), "log")
	mail := newMailboxes()
	options := filelog.Options{SegmentBytesMax: 256}
	host := openHost(t, dir, Config{Deliver: mail.deliver}, options)
	for sequence := range uint64(40) {
		if err := host.Send(1, appendMessage(1, sequence, 1)); err != nil {
			t.Fatal(err)
		}
		mail.receive(t, 1)
	}
	return dir, options, mail, host
}

// TestRemoveBelow: removing old entries keeps the head, drops from memory
// every entry below the position and from disk the whole segments below
// it, and survives a restart (which reads back from the first segment
// kept on disk).
func TestRemoveBelow(t *testing.T) {
	dir, options, mail, host := openSmallSegments(t)
	first, err := host.RemoveBelow(30)
	if err != nil || first != 30 {
		t.Fatalf("RemoveBelow(30): first %d, %v; want 30", first, err)
	}
	if err := host.Send(2, wire.MsgReadLog{ReplyTo: 2, Stream: "s", From: 1, CountMax: 1}); err != nil {
		t.Fatal(err)
	}
	reply := mail.receive(t, 2).(wire.MsgReadLogReply)
	if reply.Entries[0].Position != first || reply.HeadPosition < 40 { // ticks may add entries
		t.Fatalf("read from 1 after removal: %+v, want the first entry %d and a head of at least 40", reply, first)
	}
	if err := host.Close(); err != nil {
		t.Fatal(err)
	}
	host = openHost(t, dir, Config{Deliver: mail.deliver}, options)
	defer host.Close()
	if err := host.Send(1, appendMessage(1, 40, 1)); err != nil {
		t.Fatal(err)
	}
	if appended := mail.receive(t, 1).(wire.MsgAppendReply); appended.Position <= reply.HeadPosition ||
		!reply.HeadTimestamp.Less(appended.Timestamp) {
		t.Fatalf("append after a restart with removed segments: %+v, after head %d %v", appended,
			reply.HeadPosition, reply.HeadTimestamp)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) == 0 || entries[0].Name() == "00000000000000000001.log" {
		t.Fatalf("segments %v: the first was not removed", entries)
	}
	if err := host.Send(2, wire.MsgReadLog{ReplyTo: 2, Stream: "s", From: 1, CountMax: 1}); err != nil {
		t.Fatal(err)
	}
	reread := mail.receive(t, 2).(wire.MsgReadLogReply)
	if position := reread.Entries[0].Position; position <= 1 || position > 30 {
		t.Fatalf("read from 1 after a restart: first entry %d, want the first of a kept segment, in 2..30", position)
	}
}

// TestForgetBelow: dropping entries from memory keeps the head and every
// segment on disk: reads start at the position, and after a restart the
// log is read back from its first segment again.
func TestForgetBelow(t *testing.T) {
	dir, options, mail, host := openSmallSegments(t)
	segments, _ := os.ReadDir(dir)
	first, err := host.ForgetBelow(35)
	if err != nil || first != 35 {
		t.Fatalf("ForgetBelow(35): first %d, %v; want 35", first, err)
	}
	readFirst := func() uint64 {
		if err := host.Send(2, wire.MsgReadLog{ReplyTo: 2, Stream: "s", From: 1, CountMax: 1}); err != nil {
			t.Fatal(err)
		}
		return mail.receive(t, 2).(wire.MsgReadLogReply).Entries[0].Position
	}
	if position := readFirst(); position != 35 {
		t.Fatalf("read from 1 after ForgetBelow(35): first entry %d", position)
	}
	if after, _ := os.ReadDir(dir); len(after) != len(segments) {
		t.Fatalf("ForgetBelow changed the disk: %d segments, were %d", len(after), len(segments))
	}
	if err := host.Close(); err != nil {
		t.Fatal(err)
	}
	host = openHost(t, dir, Config{Deliver: mail.deliver}, options)
	defer host.Close()
	if position := readFirst(); position != 1 {
		t.Fatalf("read from 1 after a restart: first entry %d, want 1", position)
	}
}

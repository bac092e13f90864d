package mvcc

import (
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/proven2pc/proven/clock"
	"pgregory.net/rapid"
)

func TestBlockedErrorMatchesSentinel(t *testing.T) {
	s := New(Options{})
	txn := clock.Timestamp{WallNanos: 3}
	if err := s.Put(txn, []byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Prepare(txn, clock.Timestamp{WallNanos: 5}); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Get([]byte("k"), ReadOptions{At: MaxTimestamp})
	var blocked *BlockedError
	if !errors.As(err, &blocked) || !errors.Is(err, ErrBlocked) {
		t.Fatalf("Get: %v, want a *BlockedError matching ErrBlocked", err)
	}
	if blocked.Txn != txn || string(blocked.Key) != "k" {
		t.Fatalf("blocked by %v on %q, want %v on \"k\"", blocked.Txn, blocked.Key, txn)
	}
}

func TestWriteLimits(t *testing.T) {
	s := New(Options{BTreeDegree: 1})
	txn := clock.Timestamp{WallNanos: 1}
	if err := s.Put(txn, make([]byte, KeyLenMax+1), nil); !errors.Is(err, ErrKeyTooLarge) {
		t.Fatalf("Put of a long key: %v, want ErrKeyTooLarge", err)
	}
	if err := s.Put(txn, []byte("k"), make([]byte, ValueLenMax+1)); !errors.Is(err, ErrValueTooLarge) {
		t.Fatalf("Put of a long value: %v, want ErrValueTooLarge", err)
	}
	if err := s.Delete(clock.Timestamp{}, []byte("k")); !errors.Is(err, ErrInvalidTransaction) {
		t.Fatalf("Delete by the zero txn: %v, want ErrInvalidTransaction", err)
	}
	if s.Stats() != (Stats{}) {
		t.Fatalf("failed writes changed the store: %+v", s.Stats())
	}
}

// TestReadsReturnStoredBytes checks that a nil value is stored as an empty
// value, not as a delete.
func TestReadsReturnStoredBytes(t *testing.T) {
	s := New(Options{})
	txn := clock.Timestamp{WallNanos: 1}
	if err := s.Put(txn, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(txn, clock.Timestamp{WallNanos: 2}); err != nil {
		t.Fatal(err)
	}
	value, found, err := s.Get(nil, ReadOptions{At: MaxTimestamp})
	if err != nil || !found || len(value) != 0 {
		t.Fatalf("Get: %q found=%v err=%v, want an empty value", value, found, err)
	}
}

func TestKeyPartsPreserveTupleOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		parts := rapid.SliceOfN(rapid.SliceOfN(rapid.SampledFrom([]byte{0x00, 0x01, 0x02, 0xFE, 0xFF}), 0, 4), 1, 3)
		left, right := parts.Draw(t, "left"), parts.Draw(t, "right")
		encode := func(tuple [][]byte) []byte {
			var out []byte
			for _, part := range tuple {
				out = AppendKeyPart(out, part)
			}
			return out
		}
		want := compareTuples(left, right)
		if got := bytes.Compare(encode(left), encode(right)); got != want {
			t.Fatalf("encoded compare %d, tuple compare %d", got, want)
		}
		rest := encode(left)
		for index, part := range left {
			decoded, remaining, err := DecodeKeyPart(rest)
			if err != nil || !bytes.Equal(decoded, part) {
				t.Fatalf("part %d: decoded %q err %v, want %q", index, decoded, err, part)
			}
			rest = remaining
		}
		if len(rest) != 0 {
			t.Fatalf("%d bytes left after decoding every part", len(rest))
		}
	})
}

func compareTuples(left, right [][]byte) int {
	for index := 0; index < len(left) && index < len(right); index++ {
		if order := bytes.Compare(left[index], right[index]); order != 0 {
			return order
		}
	}
	switch {
	case len(left) < len(right):
		return -1
	case len(left) > len(right):
		return 1
	}
	return 0
}

func TestDecodeKeyPartRejectsMalformedInput(t *testing.T) {
	for _, encoded := range []string{"", "abc", "a\x00", "a\x00\x02", "\x00\xFF"} {
		if _, _, err := DecodeKeyPart([]byte(encoded)); !errors.Is(err, ErrBadKeyPart) {
			t.Errorf("DecodeKeyPart(%q): %v, want ErrBadKeyPart", encoded, err)
		}
	}
}

// TestImportsStayLow: mvcc is a leaf; it must not import the simulator, the
// network model, the engines or the coordinator.
func TestImportsStayLow(t *testing.T) {
	forbidden := []string{"/sim", "/net", "/engines", "/coordinator"}
	allowed := map[string]bool{"github.com/google/btree": true, "github.com/proven2pc/proven/clock": true,
		"github.com/proven2pc/proven/internal/binenc": true, "github.com/proven2pc/proven/internal/assert": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		source, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), file, source, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range parsed.Imports {
			path, _ := strconv.Unquote(spec.Path.Value)
			for _, suffix := range forbidden {
				if strings.HasPrefix(path, "github.com/proven2pc/proven"+suffix) {
					t.Errorf("%s imports %s", file, path)
				}
			}
			if strings.Contains(path, ".") && !allowed[path] {
				t.Errorf("%s imports %s, outside the standard library, clock, internal/binenc, internal/assert and btree", file, path)
			}
		}
	}
	checkTransitiveDependencies(t, forbidden)
}

// checkTransitiveDependencies asks the go tool for every package mvcc
// depends on, directly or not.
func checkTransitiveDependencies(t *testing.T, forbidden []string) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not found: %v", err)
	}
	output, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dependency := range strings.Fields(string(output)) {
		for _, suffix := range forbidden {
			if strings.HasPrefix(dependency, "github.com/proven2pc/proven"+suffix) {
				t.Errorf("mvcc depends on %s", dependency)
			}
		}
	}
}

// TestViewReadsBesideWrites reads a View from another goroutine while the
// store keeps committing (run with -race): the View must neither race nor
// change.
func TestViewReadsBesideWrites(t *testing.T) {
	s := New(Options{BTreeDegree: 2})
	commit := func(wall int64, key string) {
		txn := clock.Timestamp{WallNanos: wall, Node: 1}
		if err := s.Put(txn, []byte(key), []byte(key)); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(txn, clock.Timestamp{WallNanos: wall}); err != nil {
			t.Fatal(err)
		}
	}
	for index := range 100 {
		commit(int64(index+1), fmt.Sprintf("k%03d", index))
	}
	view := s.View()
	counts := make(chan int, 1)
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for range 20 {
			count := 0
			_ = view.Scan(ScanOptions{At: MaxTimestamp}, func(key, value []byte) bool {
				count++
				return true
			})
			if count != 100 {
				counts <- count
				return
			}
		}
		counts <- 100
	}()
	for index := 100; index < 400; index++ {
		commit(int64(index+1), fmt.Sprintf("k%03d", index))
	}
	s.GC(clock.Timestamp{WallNanos: 1000})
	readers.Wait()
	if count := <-counts; count != 100 {
		t.Fatalf("the view saw %d keys, want the 100 it was taken with", count)
	}
}

// TestFailedCommitChangesNothing checks Commit's undo: a transaction whose
// last key is too old for the commit timestamp has already installed its
// earlier keys (one over an older version, one fresh) when the check
// fails, and the store must end exactly as it began.
func TestFailedCommitChangesNothing(t *testing.T) {
	s := New(Options{BTreeDegree: 2})
	setup := clock.Timestamp{WallNanos: 1}
	newer := clock.Timestamp{WallNanos: 10}
	for _, write := range []struct {
		txn clock.Timestamp
		key string
	}{{setup, "a"}, {newer, "c"}} {
		if err := s.Put(write.txn, []byte(write.key), []byte("old")); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(write.txn, write.txn); err != nil {
			t.Fatal(err)
		}
	}
	txn := clock.Timestamp{WallNanos: 2}
	for _, key := range []string{"a", "b", "c"} {
		if err := s.Put(txn, []byte(key), []byte("new")); err != nil {
			t.Fatal(err)
		}
	}
	before, statsBefore := s.Checkpoint(), s.Stats()
	if err := s.Commit(txn, clock.Timestamp{WallNanos: 5}); !errors.Is(err, ErrWriteTooOld) {
		t.Fatalf("Commit below key c's version: %v, want ErrWriteTooOld", err)
	}
	if after := s.Checkpoint(); !bytes.Equal(before, after) || s.Stats() != statsBefore {
		t.Fatalf("failed commit changed the store: %+v, was %+v", s.Stats(), statsBefore)
	}
	if err := s.Commit(txn, clock.Timestamp{WallNanos: 11}); err != nil {
		t.Fatalf("Commit above every version: %v", err)
	}
	for key, want := range map[string]string{"a": "new", "b": "new", "c": "new"} {
		value, found, err := s.Get([]byte(key), ReadOptions{At: MaxTimestamp})
		if err != nil || !found || string(value) != want {
			t.Fatalf("Get %q: %q %v %v, want %q", key, value, found, err, want)
		}
	}
	if stats := s.Stats(); stats.Versions != 5 || stats.Intents != 0 || stats.Transactions != 0 {
		t.Fatalf("after the commit: %+v, want 5 versions, no intents or transactions", stats)
	}
}

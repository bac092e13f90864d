package live

import (
	"bufio"
	"context"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/resource"
)

var (
	crashKills = flag.Int("crash.kills", 3, "SIGKILLs in TestCrashWithSIGKILL (.ci/run asks for 50)")
	crashSeed  = flag.Uint64("crash.seed", 0, "seed of TestCrashWithSIGKILL's kill times and workload (0: from the clock)")
)

// childRun is what one child printed before it was killed.
type childRun struct {
	mutex sync.Mutex
	lines []string
	ready chan struct{}
}

func (r *childRun) read(output *bufio.Scanner) {
	readyOnce := sync.OnceFunc(func() { close(r.ready) })
	for output.Scan() {
		line := output.Text()
		if line == "ready" {
			readyOnce()
			continue
		}
		r.mutex.Lock()
		r.lines = append(r.lines, line)
		r.mutex.Unlock()
	}
	readyOnce()
}

// crashHistory is every outcome the children reported, across kills.
type crashHistory struct {
	acknowledged map[string]int // element -> list, committed
	aborted      map[string]int // element -> list, committed nowhere
	// order holds, per list and per writer (run.worker), the elements it
	// got acknowledged, in order.
	order               map[int]map[string][]string
	transfers, unknowns int
	appendsAcknowledged int
}

func (h *crashHistory) record(t *testing.T, line string) {
	fields := strings.Fields(line)
	switch {
	case len(fields) == 2 && fields[0] == "transfer":
		h.transfers++
	case len(fields) == 4 && fields[0] == "append":
		list, err := strconv.Atoi(fields[2])
		if err != nil {
			t.Fatalf("child line %q", line)
		}
		element := fields[3]
		switch fields[1] {
		case "ok":
			h.acknowledged[element] = list
			h.appendsAcknowledged++
			writer := element[:strings.LastIndexByte(element, '.')]
			if h.order[list] == nil {
				h.order[list] = map[string][]string{}
			}
			h.order[list][writer] = append(h.order[list][writer], element)
		case "abort":
			h.aborted[element] = list
		default:
			h.unknowns++
		}
	default:
		t.Fatalf("child line %q", line)
	}
}

// TestCrashWithSIGKILL runs the crash workload (crash_child_test.go) in a
// child process, kills it with SIGKILL at a random moment, and reopens the
// store in this process; it checks, after every kill, against everything
// every child reported before dying:
//
//   - atomicity across streams: each list is the same on a and on b, and
//     its holder's token balance is its length (a transaction touched
//     three streams);
//   - durability: every acknowledged append is in its list;
//   - nothing aborted is visible: no aborted element is in any list;
//   - list-append order: each writer's acknowledged elements appear in
//     the order they were acknowledged, each once;
//   - conservation: the accounts, on two streams, sum to the initial
//     total, and the token supply is the number of elements.
//
// go test ./live -run TestCrashWithSIGKILL -crash.kills=50 runs 50 kills
// (.ci/run does); the seed printed first reproduces the kill times.
func TestCrashWithSIGKILL(t *testing.T) {
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (go test ./live -run TestCrashWithSIGKILL -crash.kills=%d -crash.seed=%d)", seed, *crashKills, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := filepath.Join(t.TempDir(), "store")
	history := &crashHistory{acknowledged: map[string]int{}, aborted: map[string]int{}, order: map[int]map[string][]string{}}
	for kill := range *crashKills {
		run := runChild(t, dir, kill, rng.Uint64(), time.Duration(20+rng.IntN(300))*time.Millisecond)
		for _, line := range run.lines {
			history.record(t, line)
		}
		checkCrashStore(t, dir, history, kill)
	}
	t.Logf("%d kills: %d transfers and %d appends acknowledged, %d aborted appends, %d unknown outcomes",
		*crashKills, history.transfers, history.appendsAcknowledged, len(history.aborted), history.unknowns)
	if history.appendsAcknowledged == 0 {
		t.Fatal("no append was acknowledged: the children did no work")
	}
}

// runChild starts the workload on dir, lets it run for delay after it is
// ready, kills it with SIGKILL and returns the lines it printed.
func runChild(t *testing.T, dir string, kill int, seed uint64, delay time.Duration) *childRun {
	t.Helper()
	command := exec.Command(os.Args[0], "-test.run=^$")
	command.Env = append(os.Environ(), crashDirEnvironment+"="+dir, crashRunEnvironment+"="+strconv.Itoa(kill),
		crashSeedEnvironment+"="+strconv.FormatUint(seed, 10))
	stdout, err := command.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	command.Stderr = &stderr
	if err := command.Start(); err != nil {
		t.Fatal(err)
	}
	run := &childRun{ready: make(chan struct{})}
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		run.read(bufio.NewScanner(stdout))
	}()
	select {
	case <-run.ready:
	case <-time.After(30 * time.Second):
		t.Errorf("kill %d: the child was not ready within 30s", kill)
	}
	timer := time.NewTimer(delay)
	<-timer.C
	if err := command.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-reading
	state, _ := command.Process.Wait()
	if status, ok := state.Sys().(syscall.WaitStatus); !ok || !status.Signaled() {
		t.Fatalf("kill %d: the child ended on its own (%v): %s", kill, state, stderr.String())
	}
	return run
}

// checkCrashStore opens the store and checks it against the history.
func checkCrashStore(t *testing.T, dir string, history *crashHistory, kill int) {
	t.Helper()
	ctx := context.Background()
	db := openDB(t, dir, crashOptions())
	defer closeDB(t, db)
	read := db.BeginReadOnly(ctx)
	total := int64(0)
	for i := range crashAccounts {
		stream, key := crashAccount(i)
		balance, found, err := kv.New(read, stream).GetInt(ctx, key)
		if err != nil || !found {
			t.Fatalf("kill %d: account %d: %v (found %t)", kill, i, err, found)
		}
		total += balance
	}
	if total != crashAccounts*crashBalance {
		t.Fatalf("kill %d: the accounts sum to %d, want %d", kill, total, crashAccounts*crashBalance)
	}
	elements := 0
	present := map[string]bool{}
	for list := range crashLists {
		onA := readList(t, ctx, read, "a", list)
		onB := readList(t, ctx, read, "b", list)
		if strings.Join(onA, " ") != strings.Join(onB, " ") {
			t.Fatalf("kill %d: list %d differs across streams:\na: %v\nb: %v", kill, list, onA, onB)
		}
		balance, err := resource.New(read, "tokens").Balance(ctx, crashToken, crashHolder(list))
		if err != nil || balance != strconv.Itoa(len(onA)) {
			t.Fatalf("kill %d: list %d holds %d elements, its holder %q tokens (%v)", kill, list, len(onA), balance, err)
		}
		checkListOrder(t, kill, list, onA, history)
		for _, element := range onA {
			if present[element] {
				t.Fatalf("kill %d: element %s twice", kill, element)
			}
			present[element] = true
		}
		elements += len(onA)
	}
	supply, err := resource.New(read, "tokens").Supply(ctx, crashToken)
	if err != nil || supply != strconv.Itoa(elements) {
		t.Fatalf("kill %d: supply %q (%v), want %d", kill, supply, err, elements)
	}
	for element, list := range history.acknowledged {
		if !present[element] {
			t.Fatalf("kill %d: acknowledged element %s is missing from list %d", kill, element, list)
		}
	}
	for element := range history.aborted {
		if present[element] {
			t.Fatalf("kill %d: aborted element %s is visible", kill, element)
		}
	}
}

func readList(t *testing.T, ctx context.Context, read *ReadTxn, stream string, list int) []string {
	t.Helper()
	v, _, err := kv.New(read, stream).Get(ctx, crashList(list))
	if err != nil {
		t.Fatalf("list %d on %s: %v", list, stream, err)
	}
	elements := make([]string, v.Len())
	for i := range v.Len() {
		elements[i], _ = v.Index(i).AsString()
	}
	return elements
}

// checkListOrder: each writer's acknowledged elements appear in the list
// in the order the writer got them acknowledged.
func checkListOrder(t *testing.T, kill, list int, elements []string, history *crashHistory) {
	t.Helper()
	index := map[string]int{}
	for i, element := range elements {
		index[element] = i
	}
	for writer, acknowledged := range history.order[list] {
		previous := -1
		for _, element := range acknowledged {
			at, ok := index[element]
			if ok && at < previous {
				t.Fatalf("kill %d: list %d: writer %s's %s appears before an element acknowledged earlier", kill, list, writer, element)
			}
			previous = max(previous, at)
		}
	}
}

package jepsen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/jetstream/jslog"
	"github.com/proven2pc/proven/jetstream/natscluster"
)

// Command builds the command that runs one proven-node process with the
// given arguments (the proven-node binary, or a test binary that runs
// nodecli.Run when re-executed).
type Command func(args []string) *exec.Cmd

// deployment is the system under test: NATS servers in this process and
// Proven nodes as child processes, with the faults the nemesis applies
// to them.
type deployment struct {
	config  Config
	cluster *natscluster.Cluster
	command Command
	nc      *nats.Conn
	js      jetstream.JetStream

	mutex sync.Mutex
	nodes map[uint32]*nodeProcess
}

// nodeProcess is one running (or paused) proven-node child.
type nodeProcess struct {
	id uint32
	// incarnation is the node's, from its ready line: its coordinators'
	// transaction ids carry it.
	incarnation uint32
	cmd         *exec.Cmd
	paused      bool
	exited      chan struct{}
}

func (d *deployment) nodeArgs(id uint32) []string {
	specs := make([]string, len(d.config.Streams))
	for i, stream := range d.config.Streams {
		specs[i] = "kv:" + stream
	}
	ids := make([]string, len(d.config.Nodes))
	for i, node := range d.config.Nodes {
		ids[i] = strconv.FormatUint(uint64(node), 10)
	}
	return []string{"--nats", d.cluster.URLs(), "--namespace", d.config.Namespace, "--streams", strings.Join(specs, ","),
		"--node", strconv.FormatUint(uint64(id), 10), "--nodes", strings.Join(ids, ","),
		"--replicas", strconv.Itoa(d.config.Replicas), "--lease-ttl", d.config.LeaseTTL.String()}
}

// startNode starts node id's process and waits for its ready line.
func (d *deployment) startNode(id uint32) error {
	cmd := d.command(d.nodeArgs(id))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr tailWriter
	cmd.Stderr = io.MultiWriter(d.config.NodeLog, &stderr)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("jepsen: starting node %d: %w", id, err)
	}
	process := &nodeProcess{id: id, cmd: cmd, exited: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if strings.Contains(scanner.Text(), "ready") {
				select {
				case ready <- scanner.Text():
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(process.exited)
	}()
	select {
	case line := <-ready:
		_, after, _ := strings.Cut(line, "incarnation ")
		incarnation, _ := strconv.ParseUint(strings.TrimRight(strings.Fields(after + " x")[0], ","), 10, 32)
		process.incarnation = uint32(incarnation)
	case <-process.exited:
		return fmt.Errorf("jepsen: node %d exited before it was ready: %s", id, stderr.String())
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		<-process.exited
		return fmt.Errorf("jepsen: node %d was not ready within a minute", id)
	}
	d.mutex.Lock()
	d.nodes[id] = process
	d.mutex.Unlock()
	return nil
}

// coordinatorOf returns the running node whose coordinator began txn
// (false when none runs).
func (d *deployment) coordinatorOf(txn engines.TxnID) (uint32, bool) {
	d.mutex.Lock()
	defer d.mutex.Unlock()
	for id, process := range d.nodes {
		if process.incarnation == txn.Node&(1<<31-1) && !process.paused {
			return id, true
		}
	}
	return 0, false
}

// tailWriter keeps the last kilobyte written to it.
type tailWriter struct {
	mutex sync.Mutex
	tail  []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mutex.Lock()
	defer t.mutex.Unlock()
	t.tail = append(t.tail, p...)
	if len(t.tail) > 1024 {
		t.tail = t.tail[len(t.tail)-1024:]
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mutex.Lock()
	defer t.mutex.Unlock()
	return string(t.tail)
}

// killNode sends SIGKILL to node id's process and waits for it to end.
func (d *deployment) killNode(id uint32) {
	d.mutex.Lock()
	process := d.nodes[id]
	delete(d.nodes, id)
	d.mutex.Unlock()
	if process == nil {
		return
	}
	_ = process.cmd.Process.Signal(syscall.SIGKILL)
	<-process.exited
}

// signalNode pauses (SIGSTOP) or resumes (SIGCONT) node id.
func (d *deployment) signalNode(id uint32, pause bool) bool {
	d.mutex.Lock()
	defer d.mutex.Unlock()
	process := d.nodes[id]
	if process == nil || process.paused == pause {
		return false
	}
	signal := syscall.SIGCONT
	if pause {
		signal = syscall.SIGSTOP
	}
	if process.cmd.Process.Signal(signal) != nil {
		return false
	}
	process.paused = pause
	return true
}

// running returns the ids of the node processes running and not paused.
func (d *deployment) running() []uint32 {
	d.mutex.Lock()
	defer d.mutex.Unlock()
	var ids []uint32
	for _, id := range d.config.Nodes {
		if process := d.nodes[id]; process != nil && !process.paused {
			ids = append(ids, id)
		}
	}
	return ids
}

// stopAll ends every node process (SIGCONT first for a paused one, then
// SIGKILL: the run is over).
func (d *deployment) stopAll() {
	for _, id := range d.config.Nodes {
		d.signalNode(id, false)
		d.killNode(id)
	}
}

// leaders returns, for each stream, the server index of its JetStream
// leader (-1 when it has none or the question fails).
func (d *deployment) leaders(ctx context.Context) map[string]int {
	leaders := map[string]int{}
	for _, stream := range d.config.Streams {
		leaders[stream] = -1
		infoContext, cancel := context.WithTimeout(ctx, time.Second)
		s, err := d.js.Stream(infoContext, jslog.StreamName(d.config.Namespace, stream))
		cancel()
		if err == nil && s.CachedInfo().Cluster != nil {
			leaders[stream] = d.cluster.Index(s.CachedInfo().Cluster.Leader)
		}
	}
	return leaders
}

// led returns the streams server i leads, per leaders.
func led(leaders map[string]int, server int, streams []string) []string {
	var names []string
	for _, stream := range streams {
		if leaders[stream] == server {
			names = append(names, stream)
		}
	}
	return names
}

// Package natscluster runs NATS servers with JetStream inside the calling
// process, as a cluster on loopback: for tests, benchmarks and the
// single-binary mode of proven-node. Each server listens on 127.0.0.1 on
// free ports chosen at Start, outside the kernel's range for outgoing
// connections, and kept across restarts (so the routes between servers
// stay valid), and stores its JetStream data in a directory of its own,
// also kept across restarts.
//
// Kill stops a server and Restart starts it again on the same ports and
// store directory, where it recovers its streams and rejoins the cluster.
// In process, Kill is nats-server's Shutdown, which steps the server's
// Raft leaders down first: a graceful stop. With Config.Command each
// server runs as a child process (see Serve) and Kill sends it SIGKILL: a
// crash, its leaderships lost without a hand-over.
package natscluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Config describes a cluster. Zero fields take their defaults.
type Config struct {
	// Size is the number of servers (default 3; 1 runs a lone server
	// without cluster routes).
	Size int
	// Dir holds one store directory per server (required).
	Dir string
	// Name names the cluster and prefixes the servers' names (default
	// "proven").
	Name string
	// SyncAlways makes every server fsync each JetStream write before
	// acknowledging it (default: the servers' own periodic sync; an
	// acknowledged write is then on a quorum of servers, in their
	// operating systems' caches).
	SyncAlways bool
	// StartTimeout bounds the wait for a server to accept connections
	// (default 10s).
	StartTimeout time.Duration
	// Command, when set, runs each server as a child process: it builds
	// the command from the server's arguments, for a program that passes
	// them to Serve (a test binary re-executed, for instance). Its
	// standard error shows the server's failures. Leave its standard
	// output unset: Start reads Serve's ready line from it (with one set,
	// Start only waits for the client port to accept a connection).
	Command func(args []string) *exec.Cmd
}

// Cluster is a set of in-process NATS servers routed to one another.
type Cluster struct {
	config  Config
	mutex   sync.Mutex
	servers []*member
}

type member struct {
	name        string
	port        int
	clusterPort int
	dir         string
	server      *server.Server // nil while killed
	process     *process       // with Config.Command; nil while killed
}

// startAttempts bounds Start's attempts: a port found free can be taken
// before its server listens on it (by another process's server, say), and
// Start then tries again with other ports.
const startAttempts = 3

// Start starts the servers and waits until each accepts connections.
func Start(config Config) (*Cluster, error) {
	if config.Dir == "" {
		return nil, errors.New("natscluster: Config.Dir is required")
	}
	if config.Size <= 0 {
		config.Size = 3
	}
	if config.Name == "" {
		config.Name = "proven"
	}
	if config.StartTimeout <= 0 {
		config.StartTimeout = 10 * time.Second
	}
	for attempt := 1; ; attempt++ {
		c, err := start(config)
		if err == nil || !errors.Is(err, errPortTaken) || attempt == startAttempts {
			return c, err
		}
	}
}

// start makes one attempt at starting the cluster, on fresh ports. The
// store directories are kept: a server started again on other ports
// recovers its streams from them, as after a restart.
func start(config Config) (*Cluster, error) {
	ports, err := choosePorts(2 * config.Size)
	if err != nil {
		return nil, err
	}
	c := &Cluster{config: config}
	for i := range config.Size {
		dir := filepath.Join(config.Dir, fmt.Sprintf("n%d", i+1))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("natscluster: %w", err)
		}
		c.servers = append(c.servers, &member{name: fmt.Sprintf("%s-n%d", config.Name, i+1), port: ports[2*i],
			clusterPort: ports[2*i+1], dir: dir})
	}
	for i := range c.servers {
		if err := c.Restart(i); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// spec describes member m's server.
func (c *Cluster) spec(m *member) serverSpec {
	spec := serverSpec{name: m.name, port: m.port, dir: m.dir, syncAlways: c.config.SyncAlways}
	if len(c.servers) > 1 {
		spec.cluster, spec.clusterPort = c.config.Name, m.clusterPort
		for _, other := range c.servers {
			spec.routes = append(spec.routes, fmt.Sprintf("nats://127.0.0.1:%d", other.clusterPort))
		}
	}
	return spec
}

// Size returns the number of servers.
func (c *Cluster) Size() int { return len(c.servers) }

// URLs returns every server's client URL, joined with commas (as
// nats.Connect takes a server list).
func (c *Cluster) URLs() string {
	urls := make([]string, len(c.servers))
	for i, m := range c.servers {
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", m.port)
	}
	return strings.Join(urls, ",")
}

// Name returns server i's name (as JetStream names stream leaders).
func (c *Cluster) Name(i int) string { return c.servers[i].name }

// Index returns the index of the server named name, or -1.
func (c *Cluster) Index(name string) int {
	for i, m := range c.servers {
		if m.name == name {
			return i
		}
	}
	return -1
}

// Running reports whether server i runs.
func (c *Cluster) Running(i int) bool {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	return c.servers[i].server != nil || c.servers[i].process != nil
}

// Kill stops server i: Shutdown in process (its Raft leaders step down
// first), SIGKILL as a child process. Killing a killed server does
// nothing.
func (c *Cluster) Kill(i int) {
	c.mutex.Lock()
	s, p := c.servers[i].server, c.servers[i].process
	c.servers[i].server, c.servers[i].process = nil, nil
	c.mutex.Unlock()
	if p != nil {
		p.kill()
	}
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

// Restart starts server i again on its ports and store directory (it
// recovers its streams and rejoins the cluster). Restarting a running
// server does nothing.
func (c *Cluster) Restart(i int) error {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	m := c.servers[i]
	if m.server != nil || m.process != nil {
		return nil
	}
	if c.config.Command != nil {
		p, err := startProcess(c.config.Command(c.arguments(m)), m, c.config.StartTimeout)
		if err != nil {
			return err
		}
		m.process = p
		return nil
	}
	s, err := startServer(c.spec(m), c.config.StartTimeout)
	if err != nil {
		return err
	}
	m.server = s
	return nil
}

// Close shuts every server down. The store directories stay.
func (c *Cluster) Close() {
	for i := range c.servers {
		c.Kill(i)
	}
}

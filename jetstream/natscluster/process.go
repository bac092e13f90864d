package natscluster

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// serverSpec is what one server of a cluster needs to know, in process
// or as a child process's arguments.
type serverSpec struct {
	name        string
	port        int
	dir         string
	syncAlways  bool
	cluster     string // "" for a lone server
	clusterPort int
	routes      []string
}

func serverOptions(spec serverSpec) *server.Options {
	options := &server.Options{ServerName: spec.name, Host: "127.0.0.1", Port: spec.port, JetStream: true,
		StoreDir: spec.dir, NoLog: true, NoSigs: true, SyncAlways: spec.syncAlways,
		JetStreamMaxMemory: 256 << 20, JetStreamMaxStore: 8 << 30}
	if spec.cluster != "" {
		options.Cluster = server.ClusterOpts{Name: spec.cluster, Host: "127.0.0.1", Port: spec.clusterPort}
		options.Routes = server.RoutesFromStr(strings.Join(spec.routes, ","))
	}
	return options
}

// arguments are member m's server as Serve reads it.
func (c *Cluster) arguments(m *member) []string {
	spec := c.spec(m)
	return []string{"--name", spec.name, "--port", strconv.Itoa(spec.port), "--dir", spec.dir,
		"--sync-always=" + strconv.FormatBool(spec.syncAlways), "--cluster", spec.cluster,
		"--cluster-port", strconv.Itoa(spec.clusterPort), "--routes", strings.Join(spec.routes, ",")}
}

// serveTimeout bounds Serve's wait for its server to accept connections
// (the parent's StartTimeout usually ends it first, with SIGKILL).
const serveTimeout = time.Minute

// Serve runs one server of a cluster started with Config.Command, as
// args describe it, until ctx ends (or the process is killed). It prints
// a line to standard output when the server accepts connections on its
// ports (the parent waits for it), and returns an error at once if the
// server cannot listen on them.
func Serve(ctx context.Context, args []string) error {
	flags := flag.NewFlagSet("natscluster", flag.ContinueOnError)
	var spec serverSpec
	var routes string
	flags.StringVar(&spec.name, "name", "", "server name")
	flags.IntVar(&spec.port, "port", 0, "client port on 127.0.0.1")
	flags.StringVar(&spec.dir, "dir", "", "JetStream store directory")
	flags.BoolVar(&spec.syncAlways, "sync-always", false, "fsync every JetStream write")
	flags.StringVar(&spec.cluster, "cluster", "", "cluster name (none: a lone server)")
	flags.IntVar(&spec.clusterPort, "cluster-port", 0, "cluster port on 127.0.0.1")
	flags.StringVar(&routes, "routes", "", "routes to every server, comma-separated")
	if err := flags.Parse(args); err != nil {
		return fmt.Errorf("natscluster: %w", err)
	}
	if spec.name == "" || spec.port == 0 || spec.dir == "" {
		return errors.New("natscluster: Serve needs --name, --port and --dir")
	}
	if routes != "" {
		spec.routes = strings.Split(routes, ",")
	}
	s, err := startServer(spec, serveTimeout)
	if err != nil {
		return err
	}
	fmt.Println(readyLine(spec.name))
	<-ctx.Done()
	s.Shutdown()
	s.WaitForShutdown()
	return nil
}

// process is a server running as a child process.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// readyLine is what Serve prints when its server accepts connections.
func readyLine(name string) string { return "natscluster: server " + name + " ready" }

// startProcess starts cmd and waits until m's server accepts connections:
// until it prints its ready line, or, when the command has a standard
// output of its own, until m's client port accepts a connection. (A
// connection proves less: the client port may accept while the cluster
// port could not be listened on.)
func startProcess(cmd *exec.Cmd, m *member, timeout time.Duration) (*process, error) {
	var ready <-chan struct{}
	if cmd.Stdout == nil {
		reader, writer, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("natscluster: starting server %s: %w", m.name, err)
		}
		cmd.Stdout = writer
		defer writer.Close()
		ready = awaitLine(reader, readyLine(m.name))
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("natscluster: starting server %s: %w", m.name, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	address := net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port))
	deadline := time.Now().Add(timeout)
	for {
		if ready == nil {
			connection, err := net.DialTimeout("tcp", address, time.Second)
			if err == nil {
				connection.Close()
				return p, nil
			}
		}
		select {
		case <-ready:
			return p, nil
		case <-p.exited:
			if !portsFree(m) {
				return nil, fmt.Errorf("natscluster: server %s exited before accepting connections: %w", m.name, errPortTaken)
			}
			return nil, fmt.Errorf("natscluster: server %s exited before accepting connections", m.name)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, fmt.Errorf("natscluster: server %s did not accept connections within %v", m.name, timeout)
		}
	}
}

// awaitLine reads reader to its end and closes it; the channel closes
// when line has been read.
func awaitLine(reader *os.File, line string) <-chan struct{} {
	found := make(chan struct{})
	go func() {
		defer reader.Close()
		scanner := bufio.NewScanner(reader)
		seen := false
		for scanner.Scan() {
			if !seen && scanner.Text() == line {
				seen = true
				close(found)
			}
		}
	}()
	return found
}

// kill sends SIGKILL and waits for the process to end.
func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

package natscluster

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
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

// Serve runs one server of a cluster started with Config.Command, as
// args describe it, until ctx ends (or the process is killed).
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
	s, err := server.NewServer(serverOptions(spec))
	if err != nil {
		return fmt.Errorf("natscluster: server %s: %w", spec.name, err)
	}
	go s.Start()
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

// startProcess starts cmd and waits until m's client port accepts
// connections.
func startProcess(cmd *exec.Cmd, m *member, timeout time.Duration) (*process, error) {
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
		connection, err := net.DialTimeout("tcp", address, time.Second)
		if err == nil {
			connection.Close()
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("natscluster: server %s exited before accepting connections", m.name)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, fmt.Errorf("natscluster: server %s did not accept connections within %v", m.name, timeout)
		}
	}
}

// kill sends SIGKILL and waits for the process to end.
func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

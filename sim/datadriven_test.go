package sim

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// TestDiskScenarios runs testdata/disk*.txt. Commands:
//
//	append file=F data=D       append one record (volatile)
//	append-each files=(F,G) data=D   append one record to both files (AppendToEach)
//	sync file=F                make F's records durable
//	crash [torn=P] [corrupt=P] crash with tearing/corruption probabilities
//	read file=F                records up to the first damaged one
//	scan file=F                every record with its own verdict
//	corrupt file=F index=I     flip one bit of record I
//	truncate file=F n=N        keep the first N records
//	files                      list files with record and unsynced counts
//	recover-mirrored primary=F mirror=G   RecoverMirrored: records, repaired or error
func TestDiskScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/disk", func(t *testing.T, path string) {
		w := newTestWorld(1)
		disk := newDisk()
		rng := w.Rand("disk-scenario")
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var file string
			if d.HasArg("file") {
				d.ScanArgs(t, "file", &file)
			}
			switch d.Cmd {
			case "append":
				var data string
				d.ScanArgs(t, "data", &data)
				disk.Append(file, []byte(data))
				return fmt.Sprintf("%s: %d records, %d unsynced", file, disk.Len(file), disk.Unsynced(file))
			case "append-each":
				var first, second, data string
				d.ScanArgs(t, "files", &first, &second)
				d.ScanArgs(t, "data", &data)
				disk.AppendToEach([]byte(data), first, second)
				return describeFiles(disk)
			case "recover-mirrored":
				var primary, mirror string
				d.ScanArgs(t, "primary", &primary)
				d.ScanArgs(t, "mirror", &mirror)
				records, repaired, err := disk.RecoverMirrored(primary, mirror)
				if err != nil {
					return "error: " + err.Error()
				}
				var b strings.Builder
				for i, record := range records {
					fmt.Fprintf(&b, "%d: %s\n", i, record)
				}
				fmt.Fprintf(&b, "repaired=%t\n", repaired)
				return b.String()
			case "sync":
				disk.Sync(file)
				return fmt.Sprintf("%s: %d records, %d unsynced", file, disk.Len(file), disk.Unsynced(file))
			case "crash":
				faults := diskFaults{corruptionsMax: 1}
				if d.HasArg("torn") {
					d.ScanArgs(t, "torn", &faults.tornProbability)
				}
				if d.HasArg("corrupt") {
					d.ScanArgs(t, "corrupt", &faults.corruptProbability)
				}
				disk.crash(faults, rng)
				stats := disk.Stats()
				return fmt.Sprintf("lost=%d torn=%d corrupted=%d", stats.LostOnCrash, stats.Torn, stats.Corrupted)
			case "read":
				records, err := disk.Read(file)
				var b strings.Builder
				for i, record := range records {
					fmt.Fprintf(&b, "%d: %s\n", i, record)
				}
				if err != nil {
					fmt.Fprintf(&b, "error: %v\n", err)
				}
				return b.String()
			case "scan":
				records, err := disk.Scan(file)
				if err != nil {
					return "error: " + err.Error()
				}
				var b strings.Builder
				for i, record := range records {
					if record.Err != nil {
						fmt.Fprintf(&b, "%d: error: %v\n", i, record.Err)
					} else {
						fmt.Fprintf(&b, "%d: %s\n", i, record.Data)
					}
				}
				return b.String()
			case "corrupt":
				var index int
				d.ScanArgs(t, "index", &index)
				return strconv.FormatBool(disk.Corrupt(file, index, rng))
			case "truncate":
				var n int
				d.ScanArgs(t, "n", &n)
				disk.Truncate(file, n)
				return fmt.Sprintf("%s: %d records, %d unsynced", file, disk.Len(file), disk.Unsynced(file))
			case "files":
				return describeFiles(disk)
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}

// describeFiles lists a disk's files with their record and unsynced counts.
func describeFiles(disk *Disk) string {
	var b strings.Builder
	for _, name := range disk.Files() {
		fmt.Fprintf(&b, "%s records=%d unsynced=%d\n", name, disk.Len(name), disk.Unsynced(name))
	}
	return b.String()
}

// TestWorldScenarios runs testdata/world/*.txt: a world with echo servers
// and one client process per scenario, with scripted faults. Commands:
//
//	nodes servers=N [crashable]      add N echo servers and one client node
//	at t=D action=A node=N [...]     schedule crash|restart|pause|resume|
//	                                 isolate|heal|jump (delta=D) at time D
//	ping node=N count=K timeout=D [every=D]  the client pings node N K times
//	run [for=D]                      run; print the client's log and result
func TestWorldScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/world", func(t *testing.T, path string) {
		var w *World
		var client NodeID
		var servers []NodeID
		var log []string
		defer func() {
			if w != nil {
				w.Close()
			}
		}()
		stamp := func() string { return time.Duration(w.Now()).String() }
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "nodes":
				var count int
				d.ScanArgs(t, "servers", &count)
				w = newTestWorld(1)
				for range count {
					servers = append(servers, w.AddNode(NodeOptions{Factory: echoFactory, Crashable: d.HasArg("crashable")}))
				}
				client = w.AddNode(NodeOptions{Name: "client"})
				return fmt.Sprintf("servers %v, client n%d", servers, client)
			case "at":
				var at time.Duration
				var action string
				var node int
				d.ScanArgs(t, "t", &at)
				d.ScanArgs(t, "action", &action)
				if d.HasArg("node") {
					d.ScanArgs(t, "node", &node)
				}
				id := NodeID(node)
				var delta time.Duration
				if d.HasArg("delta") {
					d.ScanArgs(t, "delta", &delta)
				}
				actions := map[string]func(){
					"crash":   func() { w.Crash(id) },
					"restart": func() { w.Restart(id) },
					"pause":   func() { w.Pause(id) },
					"resume":  func() { w.Resume(id) },
					"isolate": func() { w.Network().Isolate(id, w.Nodes()) },
					"heal":    func() { w.Heal() },
					"jump":    func() { w.JumpClock(id, delta) },
				}
				fn, ok := actions[action]
				if !ok {
					t.Fatalf("unknown action %q", action)
				}
				w.After(at-time.Duration(w.Now()), func() {
					log = append(log, stamp()+" "+action+" "+fmt.Sprint(id))
					fn()
				})
				return "ok"
			case "ping":
				var node, count int
				var timeout time.Duration
				d.ScanArgs(t, "node", &node)
				d.ScanArgs(t, "count", &count)
				d.ScanArgs(t, "timeout", &timeout)
				var every time.Duration
				if d.HasArg("every") {
					d.ScanArgs(t, "every", &every)
				}
				w.Spawn(client, "pinger", func(p *Process) {
					for i := range count {
						p.Sleep(every)
						_ = p.Send(Addr{Node: NodeID(node)}, msgPing{Number: i})
						if _, message, ok := p.Receive(timeout); ok {
							log = append(log, fmt.Sprintf("%s pong %d local=%s", stamp(), message.(msgPong).Number,
								time.Duration(p.Now())))
						} else {
							log = append(log, fmt.Sprintf("%s timeout %d", stamp(), i))
						}
					}
				})
				return "ok"
			case "run":
				var result Result
				if d.HasArg("for") {
					var span time.Duration
					d.ScanArgs(t, "for", &span)
					result = w.RunFor(span)
				} else {
					result = w.Run()
				}
				out := strings.Join(log, "\n")
				log = nil
				return fmt.Sprintf("%s\nverdict=%s %s", out, result.Verdict, result.Reason)
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}

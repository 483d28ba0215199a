package daemon

import (
	"context"
	"strconv"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

func line(text string) Event { return Event{Kind: EventConsole, Line: ConsoleLine{Text: text}} }

// TestSlowSubscriber: a subscriber that stops reading loses events without blocking the
// publisher or a fast subscriber, then gets a notice with the number it lost.
func TestSlowSubscriber(t *testing.T) {
	clock := newFakeClock()
	h := newHub(clock.Now)
	slow, _ := subscribeTo(h, 2, nil, identity)
	fast, _ := subscribeTo(h, 100, nil, identity)
	for i := range 10 {
		h.publish(line(strconv.Itoa(i))) // would deadlock here if a full subscriber blocked
	}
	for i := range 10 {
		if ev := <-fast.C(); ev.Line.Text != strconv.Itoa(i) {
			t.Fatalf("fast subscriber got %q at %d", ev.Line.Text, i)
		}
	}
	for _, want := range []string{"0", "1"} {
		if ev := <-slow.C(); ev.Line.Text != want {
			t.Fatalf("slow subscriber got %q, want %q", ev.Line.Text, want)
		}
	}
	h.publish(line("10"))
	notice := <-slow.C()
	if notice.Kind != EventConsole || notice.Dropped != 8 ||
		notice.Line.Text != DaemonPrefix+"8 events were dropped because this reader is too slow" {
		t.Fatalf("notice %+v", notice)
	}
	if ev := <-slow.C(); ev.Line.Text != "10" {
		t.Fatalf("after the notice: %+v", ev)
	}
	// Close is idempotent and stops delivery.
	slow.Close()
	slow.Close()
	if _, ok := <-slow.C(); ok {
		t.Fatal("channel open after Close")
	}
	h.publish(line("11"))
	if h.count() != 1 {
		t.Fatalf("%d subscribers", h.count())
	}
}

func TestDeleteClosesSubscriptions(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	mustCreate(t, m, testDef("s1", "echo"))
	ctx := context.Background()
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	full, err := m.Subscribe("s1", 1) // will be full: only the closed channel tells it
	if err != nil {
		t.Fatal(err)
	}
	roomy, _ := m.Subscribe("s1", 1000)
	if err := m.Delete(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	for range full.C() {
	}
	var last Event
	for ev := range roomy.C() {
		last = ev
	}
	if last.Kind != EventDeleted {
		t.Fatalf("last event %+v, want deleted", last)
	}
	if _, err := m.Subscribe("s1", 1); err == nil {
		t.Fatal("subscribed to a deleted server")
	}
	roomy.Close() // after the server closed it: no panic
}

// TestSubscriptionEvents: backlog, console, status and stats events of one start/stop.
func TestSubscriptionEvents(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	rt.stats = runtime.Stats{CPUPercent: 12.5, MemoryBytes: 1000}
	m := newTestManager(t, rt, nil)
	mustCreate(t, m, testDef("s1", "print:hello\\n"))
	ctx := context.Background()
	sub, err := m.Subscribe("s1", 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	var states []State
	sawHello, sawStats := false, false
	for !sawHello || !sawStats {
		ev := <-sub.C()
		switch ev.Kind {
		case EventStatus:
			states = append(states, ev.Status.State)
		case EventConsole:
			sawHello = sawHello || ev.Line.Text == "hello"
		case EventStats:
			if ev.Stats.CPUPercent != 12.5 || ev.Stats.MemoryLimit != 512<<20 {
				t.Fatalf("stats %+v", ev.Stats)
			}
			sawStats = true
		}
	}
	if err := m.Stop(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	for len(states) < 4 {
		if ev := <-sub.C(); ev.Kind == EventStatus {
			states = append(states, ev.Status.State)
		}
	}
	want := []State{StateStarting, StateRunning, StateStopping, StateStopped}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("states %v, want %v", states, want)
		}
	}
	// A late subscriber gets the lines so far as backlog.
	late, _ := m.Subscribe("s1", 10)
	defer late.Close()
	if b := late.Backlog(); len(b) < 2 || b[1].Text != "hello" {
		t.Fatalf("backlog %+v", b)
	}
}

// TestSlowSubscriberBatch: a batch that overflows a subscriber counts every lost line in the
// notice, like single events do.
func TestSlowSubscriberBatch(t *testing.T) {
	clock := newFakeClock()
	h := newHub(clock.Now)
	slow, _ := subscribeTo(h, 2, nil, identity)
	batch := make([]ConsoleLine, 10)
	for i := range batch {
		batch[i] = ConsoleLine{Cursor: int64(i + 1), Text: strconv.Itoa(i)}
	}
	h.publishLines(batch)
	h.publishLines(batch[:3])
	for _, want := range []string{"0", "1"} {
		if ev := <-slow.C(); ev.Line.Text != want {
			t.Fatalf("got %q, want %q", ev.Line.Text, want)
		}
	}
	h.publishLines([]ConsoleLine{{Cursor: 11, Text: "10"}})
	if notice := <-slow.C(); notice.Dropped != 11 {
		t.Fatalf("notice %+v, want 11 dropped", notice)
	}
	if ev := <-slow.C(); ev.Line.Text != "10" || ev.Line.Cursor != 11 {
		t.Fatalf("after the notice: %+v", ev)
	}
	slow.Close()
}

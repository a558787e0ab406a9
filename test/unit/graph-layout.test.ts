// The wait-for graph as the app draws it (renderer/graph-layout.ts), on the graph core builds for
// two flock(1) chains deadlocked through their parents' waits, plus an idle thread pool's futex.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildWaitGraph, findDeadlocks } from '../../core/wait-graph';
import type { DeadlockReport } from '../../protocol';
import { aroundDeadlocks, layoutWaitGraph, waitingProcesses } from '../../renderer/graph-layout';

function report(): DeadlockReport {
  const graph = buildWaitGraph({
    waits: [
      { pid: 1, tid: 1, object: 'process:2' },
      { pid: 2, tid: 2, object: 'lock:d' },
      { pid: 3, tid: 3, object: 'process:4' },
      { pid: 4, tid: 4, object: 'lock:c' },
      { pid: 9, tid: 10, object: 'futex:9@0x10' },
    ],
    owners: [
      { object: 'process:2', pid: 2 },
      { object: 'lock:d', pid: 3 },
      { object: 'process:4', pid: 4 },
      { object: 'lock:c', pid: 1 },
    ],
    childWaits: [],
    objectKinds: { 'process:2': 'process', 'process:4': 'process', 'lock:d': 'file-lock', 'lock:c': 'file-lock', 'futex:9@0x10': 'futex' },
    objectLabels: { 'process:2': 'child flock (2) to exit', 'process:4': 'child flock (4) to exit', 'lock:d': '/tmp/d.lock', 'lock:c': '/tmp/c.lock' },
    processNames: { 1: 'flock', 2: 'flock', 3: 'flock', 4: 'flock', 9: 'chromium' },
  });
  const edges: Array<[string, string]> = [];
  for (const [from, targets] of graph.edges) for (const to of targets) edges.push([from, to]);
  return { t: 0, deadlocks: findDeadlocks(graph), graph: { nodes: Object.fromEntries(graph.nodes), edges }, unavailable: {} };
}

const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('renderer/graph-layout.ts', () => {
  test('the deadlock is drawn as four processes and two locks, every node and edge on the cycle', () => {
    const input = report();
    assert.equal(input.deadlocks.length, 1);
    assert.match(input.deadlocks[0].text, /^deadlocked: /);
    const layout = layoutWaitGraph(input);
    assert.deepEqual(layout.nodes.map((n) => n.label).sort(), ['file-lock: /tmp/c.lock', 'file-lock: /tmp/d.lock', 'flock (1)', 'flock (2)', 'flock (3)', 'flock (4)']);
    assert.ok(layout.nodes.every((n) => n.inCycle), 'every drawn node is on the cycle');
    assert.equal(layout.edges.length, 6);
    assert.ok(layout.edges.every((e) => e.inCycle), 'every drawn edge is on the cycle');
    assert.deepEqual(layout.edges.map((e) => e.relation).sort(), ['held by', 'held by', 'waits for', 'waits for', 'waits for it to exit', 'waits for it to exit']);
    for (const a of layout.nodes) for (const b of layout.nodes) if (a !== b) assert.equal(overlap(a, b), false, `${a.label} overlaps ${b.label}`);
  });

  test('an idle futex (private, no owner) and its lone waiter are left out; waitingProcesses skips them', () => {
    const input = report();
    const layout = layoutWaitGraph(input);
    assert.ok(!layout.nodes.some((n) => n.node.type !== 'object' && n.node.pid === 9));
    assert.ok('o:futex:9@0x10' in input.graph.nodes, 'it is in the report, for the CLI and JSON');
    assert.deepEqual(waitingProcesses(input).map((p) => p.pid).sort(), [1, 2, 3, 4]);
  });

  test('the orientation that shows the graph larger on the canvas is chosen', () => {
    const input = report();
    const wide = layoutWaitGraph(input, undefined, 4);
    const tall = layoutWaitGraph(input, undefined, 0.3);
    const scale = (l: { width: number; height: number }, aspect: number) => Math.min(aspect / l.width, 1 / l.height);
    assert.ok(scale(wide, 4) >= scale(tall, 4), 'for a wide canvas, the wide layout');
    assert.ok(scale(tall, 0.3) >= scale(wide, 0.3), 'for a tall canvas, the tall layout');
  });

  test('aroundDeadlocks keeps the cycle and its neighbours only', () => {
    const input = report();
    const kept = aroundDeadlocks(input);
    assert.ok(!kept.has('t:9:10') && !kept.has('o:futex:9@0x10'));
    assert.ok(kept.has('p:1') && kept.has('o:lock:c'));
  });
});

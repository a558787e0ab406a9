// The wait-for graph: who waits on what, and who holds it. A cycle is a deadlock.
//
// Nodes are processes, threads and objects. Edges point from the blocked party to what it waits
// for: thread → object it waits on, object → thread or process that owns it, process → each of
// its blocked threads (a process-owned object, like a file lock, is freed only when one of them
// moves), and parent process → child process it waits for.

export type GraphNode =
  | { type: 'process'; pid: number; name?: string }
  | { type: 'thread'; pid: number; tid: number; name?: string }
  | { type: 'object'; path: string; kind: string; label?: string };

export interface WaitFacts {
  /** A thread (or, where tid is unknown, a process) blocked on an object. */
  waits: Array<{ pid: number; tid?: number; object: string }>;
  /** Who must act to free an object: its owner thread, or a process (lock holder). */
  owners: Array<{ object: string; pid: number; tid?: number }>;
  /** A parent blocked until a child exits. */
  childWaits: Array<{ parentPid: number; parentTid?: number; childPid: number }>;
  objectKinds?: Record<string, string>;
  /** A human name where the path is not one (a file lock's file). */
  objectLabels?: Record<string, string>;
  processNames?: Record<number, string>;
}

export interface Deadlock {
  /** The chain in wait order, ending where it started: A waits for B waits for ... A. */
  chain: GraphNode[];
  /** The chain in one sentence, what a banner shows: `deadlocked: thread 812 of a (4242) waits for …`. */
  text: string;
}

export interface WaitGraph {
  nodes: Map<string, GraphNode>;
  edges: Map<string, Set<string>>;
}

const processKey = (pid: number) => `p:${pid}`;
const threadKey = (pid: number, tid: number) => `t:${pid}:${tid}`;
const objectKey = (path: string) => `o:${path}`;

export function buildWaitGraph(facts: WaitFacts): WaitGraph {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, Set<string>>();
  const name = (pid: number) => facts.processNames?.[pid];
  const addEdge = (from: string, to: string) => {
    let targets = edges.get(from);
    if (!targets) edges.set(from, (targets = new Set()));
    targets.add(to);
  };
  const processNode = (pid: number) => {
    const key = processKey(pid);
    if (!nodes.has(key)) nodes.set(key, { type: 'process', pid, name: name(pid) });
    return key;
  };
  /** A thread node, linked from its process; or the process itself when tid is unknown. */
  const actorNode = (pid: number, tid: number | undefined, blocked: boolean) => {
    const process = processNode(pid);
    if (tid === undefined) return process;
    const key = threadKey(pid, tid);
    if (!nodes.has(key)) nodes.set(key, { type: 'thread', pid, tid, name: name(pid) });
    if (blocked) addEdge(process, key);
    return key;
  };
  const objectNode = (path: string) => {
    const key = objectKey(path);
    const label = facts.objectLabels?.[path];
    if (!nodes.has(key)) nodes.set(key, { type: 'object', path, kind: facts.objectKinds?.[path] ?? 'object', ...(label ? { label } : {}) });
    return key;
  };

  for (const wait of facts.waits) addEdge(actorNode(wait.pid, wait.tid, true), objectNode(wait.object));
  for (const owner of facts.owners) addEdge(objectNode(owner.object), actorNode(owner.pid, owner.tid, false));
  for (const wait of facts.childWaits) {
    addEdge(actorNode(wait.parentPid, wait.parentTid, true), processNode(wait.childPid));
  }
  return { nodes, edges };
}

/**
 * One cycle for every strongly connected component that has one (Tarjan's algorithm, iterative
 * so deep chains cannot overflow the stack). Each reported chain is a real cycle of edges.
 */
export function findDeadlocks(graph: WaitGraph): Deadlock[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const root of graph.nodes.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; targets: Iterator<string> }> = [];
    const enter = (node: string) => {
      index.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      work.push({ node, targets: (graph.edges.get(node) ?? new Set<string>()).values() });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const next = frame.targets.next();
      if (!next.done) {
        const target = next.value;
        if (!index.has(target)) enter(target);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = graph.edges.get(frame.node)?.has(frame.node);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }

  return components.map((component) => {
    const chain = cycleWithin(graph, component).map((key) => graph.nodes.get(key)!);
    return { chain, text: deadlockText(chain) };
  });
}

/**
 * A cycle in words, one clause per wait, each actor named as it acts: `deadlocked: flock (1) waits
 * for child flock (2) to exit; flock (2) waits for file-lock on /tmp/d, held by flock (3); ...`.
 */
export function deadlockText(chain: GraphNode[]): string {
  const actor = (node: GraphNode) =>
    node.type === 'thread'
      ? node.tid === node.pid ? `${node.name ?? 'process'} (${node.pid})` : `thread ${node.tid} of ${node.name ?? '?'} (${node.pid})`
      : node.type === 'process' ? `${node.name ?? 'process'} (${node.pid})` : describeNode(node);
  const clauses: string[] = [];
  let current: GraphNode | undefined;
  let clause = '';
  chain.forEach((node, i) => {
    const before = chain[i - 1];
    if (node.type === 'object') {
      if (clause) clauses.push(clause);
      // A wait for a process or thread to end says whom; other objects say who holds them next.
      clause = `${current ? actor(current) : '?'} waits for ${node.kind === 'process' || node.kind === 'thread' ? (node.label ?? describeNode(node)) : describeNode(node)}`;
      return;
    }
    if (before?.type === 'object' && before.kind !== 'process' && before.kind !== 'thread') clause += `, held by ${actor(node)}`;
    // A process, then one of its threads: the thread is the one that waits.
    current = node;
  });
  if (clause) clauses.push(clause);
  return `deadlocked: ${clauses.join('; ')}`;
}

/** A cycle through the component's first process or thread (else its first node), found by BFS. */
function cycleWithin(graph: WaitGraph, component: string[]): string[] {
  const members = new Set(component);
  const sorted = [...component].sort();
  const start = sorted.find((key) => !key.startsWith('o:')) ?? sorted[0];
  const parent = new Map<string, string>();
  // A moving head instead of shift, a reversed path instead of unshift: both were quadratic.
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    for (const target of graph.edges.get(node) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const path = [node];
        while (path[path.length - 1] !== start) path.push(parent.get(path[path.length - 1])!);
        return [...path.reverse(), start];
      }
      if (!parent.has(target)) {
        parent.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

export function describeNode(node: GraphNode): string {
  switch (node.type) {
    case 'process':
      return `process ${node.name ?? '?'}(${node.pid})`;
    case 'thread':
      return `thread ${node.tid} of ${node.name ?? '?'}(${node.pid})`;
    case 'object':
      // A file lock's label is its file; every other label says what the object is.
      if (!node.label) return `${node.kind} ${node.path}`;
      return node.kind === 'file-lock' ? `${node.kind} on ${node.label}` : node.label;
  }
}

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-ui-includes.py UI_SRCDIR
#
# Layering check for ui/: dependencies point one way (ui/README.md).
#
# - A module is a type's files: meow-thing.c, meow-thing.h and meow-thing-private.h are
#   the module meow-thing. `#include "X"` of a file in ui/ is an edge from the including
#   file's module to X's module; the graph of modules must have no cycle.
# - Only meow-application.c includes meow-application.h: widgets and the model are given
#   the task manager and GSettings, and never see the application type.
#
# The first two tests run the same checks on small made-up trees that break each rule, so
# a checker that cannot fail does not pass. Output: TAP.

import os
import re
import shutil
import sys
import tempfile

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.MULTILINE)
APPLICATION_HEADER = 'meow-application.h'
APPLICATION_SOURCE = 'meow-application.c'


def module_of(name):
    base = re.sub(r'\.[ch]$', '', name)
    return re.sub(r'-private$', '', base)


def read_tree(srcdir):
    """{file name: [(included ui/ file, line number)]} for ui/*.c and ui/*.h."""
    names = sorted(n for n in os.listdir(srcdir) if n.endswith(('.c', '.h')))
    present = set(names)
    includes = {}
    for name in names:
        with open(os.path.join(srcdir, name), encoding='utf-8') as f:
            text = f.read()
        found = []
        for m in INCLUDE.finditer(text):
            target = os.path.basename(m.group(1))
            if target in present:
                found.append((target, text.count('\n', 0, m.start()) + 1))
        includes[name] = found
    return includes


def module_graph(includes):
    """{module: {module: [why]}}, without self-edges."""
    graph = {}
    for name, found in includes.items():
        src = module_of(name)
        graph.setdefault(src, {})
        for target, line in found:
            dst = module_of(target)
            if dst != src:
                graph[src].setdefault(dst, []).append('%s:%d includes %s' % (name, line, target))
    return graph


def find_cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def cycle_problems(includes):
    graph = module_graph(includes)
    problems = []
    for component in find_cycles(graph):
        members = set(component)
        why = [reason for src in component for dst, reasons in sorted(graph[src].items())
               if dst in members for reason in reasons]
        problems.append('cycle among %s: %s' % (', '.join(component), '; '.join(why)))
    return problems


def application_problems(includes):
    return ['%s:%d includes %s' % (name, line, target)
            for name, found in sorted(includes.items()) for target, line in found
            if target == APPLICATION_HEADER and name != APPLICATION_SOURCE]


class Tap:
    def __init__(self, n):
        self.n = 0
        self.failed = False
        print('1..%d' % n)

    def ok(self, cond, what, details=()):
        self.n += 1
        if not cond:
            self.failed = True
        for line in details:
            print('# ' + line)
        print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, what))


def made_up_tree(files):
    tmp = tempfile.mkdtemp(prefix='meow-ui-includes-')
    for name, text in files.items():
        with open(os.path.join(tmp, name), 'w', encoding='utf-8') as f:
            f.write(text)
    return tmp


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: %s UI_SRCDIR' % sys.argv[0])
    srcdir = sys.argv[1]
    t = Tap(5)

    # The circle ui/ used to have: the application includes the window, whose header
    # includes the application's.
    circle = made_up_tree({
        'meow-application.h': '#include "meow-task-manager.h"\n',
        'meow-application.c': '#include "config.h"\n#include "meow-window.h"\n',
        'meow-window.h': '#include <adwaita.h>\n#include "meow-application.h"\n',
        'meow-window.c': '#include "meow-window.h"\n',
        'meow-task-manager.h': '#include "meow.h"\n',
    })
    try:
        circle_includes = read_tree(circle)
    finally:
        shutil.rmtree(circle, ignore_errors=True)
    found = cycle_problems(circle_includes)
    t.ok(len(found) == 1 and 'meow-application, meow-window' in found[0],
         'a made-up circle (application <-> window) is found', found)
    found = application_problems(circle_includes)
    t.ok(found == ['meow-window.h:2 includes meow-application.h'],
         'a made-up widget including meow-application.h is found', found)

    includes = read_tree(srcdir)
    expected = {'meow-application.c', 'meow-window.c', 'meow-task-manager.c'}
    t.ok(expected <= set(includes), 'ui/ sources found in %s' % srcdir,
         ['missing: %s' % ', '.join(sorted(expected - set(includes)))]
         if not expected <= set(includes) else
         ['%d files, %d modules, %d edges' % (
             len(includes), len(module_graph(includes)),
             sum(len(e) for e in module_graph(includes).values()))])

    found = cycle_problems(includes)
    t.ok(not found, "ui/'s includes have no cycle", found)
    found = application_problems(includes)
    t.ok(not found, 'only %s includes %s' % (APPLICATION_SOURCE, APPLICATION_HEADER), found)

    return 1 if t.failed else 0


if __name__ == '__main__':
    sys.exit(main())

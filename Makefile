# The project's commands; the README explains each.
.PHONY: up down status cluster cluster-down cluster-status test unit bench build coverage

up:          ## build and start the local stack (Postgres, pool, push daemon, nginx on :8080)
	scripts/stack.sh up

down:        ## stop the local stack
	scripts/stack.sh down

status:
	scripts/stack.sh status

cluster:     ## a replicated local cluster instead: etcd, 3 Patroni-managed PostgreSQL nodes, pool, daemon, nginx on :26180
	scripts/cluster.sh up

cluster-down:
	scripts/cluster.sh down

cluster-status:
	scripts/cluster.sh status

test:        ## every test: Swift unit tests, then integration tests against a real stack
	scripts/test.sh

build:
	swift build

bench:       ## release build, benchmarks, results into BENCHMARKS.md
	scripts/bench.sh

coverage:    ## line and function coverage of Sources/ by every test (instrumented build; not in CI)
	scripts/coverage.sh

/** Benchmarks of training throughput (mains that print tables; not part of the test run). */
package org.lowrank.train.bench;

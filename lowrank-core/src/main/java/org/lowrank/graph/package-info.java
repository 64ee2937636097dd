/**
 * Stage 1, Model: lowrank's own graph IR (nodes, attributes, constant tensors, value shapes). The
 * ONNX reader produces it, analysis, planning and rewriting read it, the ONNX writer and the
 * trainable executor consume it. Everything here is immutable.
 */
package org.lowrank.graph;

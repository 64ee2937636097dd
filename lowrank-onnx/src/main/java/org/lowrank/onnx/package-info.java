/**
 * Stage 1 and 7, ONNX in and out: the only code that knows the ONNX protobuf. {@link
 * org.lowrank.onnx.OnnxReader} turns a {@code .onnx} file into the graph IR ({@link
 * org.lowrank.graph.Model}), {@link org.lowrank.onnx.OnnxWriter} writes the IR back (atomically,
 * never over its input), {@link org.lowrank.onnx.OnnxTensors} handles single serialized tensors
 * ({@code test_data_set} {@code .pb} files). Bad files raise {@link
 * org.lowrank.onnx.OnnxFormatException} naming the file and node.
 */
package org.lowrank.onnx;

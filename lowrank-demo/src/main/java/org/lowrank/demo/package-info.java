/**
 * The demo's model and data: {@link org.lowrank.demo.DemoModels} builds seeded CNNs for 28 x 28
 * grey images in the graph IR, {@link org.lowrank.demo.FashionMnist} reads Debian's Fashion-MNIST,
 * {@link org.lowrank.demo.DemoTrainer} trains a model from scratch and tests it, and {@link
 * org.lowrank.demo.DemoAssets} returns a trained model cached as ONNX (trained on first use). What
 * comes next: the cached file is the input of the compression pipeline ({@code lowrank demo}) and
 * of the Fashion-MNIST experiments.
 */
package org.lowrank.demo;

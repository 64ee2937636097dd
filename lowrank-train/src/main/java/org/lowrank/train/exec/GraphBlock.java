package org.lowrank.train.exec;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The DJL {@link ai.djl.nn.Block} view of a {@link GraphExecutor}: its direct parameters are the
 * executor's trainable parameters and its forward pass runs the graph, so DJL's Trainer and
 * optimizers can train the model. Input and output order follow the graph.
 */
public final class GraphBlock extends AbstractBlock {
  private final GraphExecutor executor;

  GraphBlock(GraphExecutor executor) {
    this.executor = executor;
    for (Parameter p : executor.parameters().values()) {
      addParameter(p);
    }
  }

  public GraphExecutor executor() {
    return executor;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return executor.forward(inputs.head().getManager(), inputs, training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    try (NDManager tmp = executor.manager().newSubManager()) {
      NDList in = new NDList();
      for (int i = 0; i < inputShapes.length; i++) {
        in.add(tmp.zeros(inputShapes[i]));
      }
      NDList out = executor.forward(tmp, in, false);
      Shape[] shapes = new Shape[out.size()];
      for (int i = 0; i < shapes.length; i++) {
        shapes[i] = out.get(i).getShape();
      }
      return shapes;
    }
  }
}

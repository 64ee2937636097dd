package org.lowrank.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.Model;
import picocli.CommandLine.Option;

/**
 * {@code --input-shape}, shared by every verb that reads a model; resolved by {@link InputShapes}
 * (one place for the fixed batch, free height/width, and absurd sizes).
 */
public final class InputShapeOptions {
  @Option(
      names = "--input-shape",
      paramLabel = "[NAME=]D0,D1,...",
      description = {
        "Input shape, e.g. 1,3,320,320: needed when the model's height or width is free;",
        "must agree with its fixed dimensions (default: as declared, a free batch = 1).",
        "Prefix NAME= for a model with several inputs; repeatable."
      })
  List<String> specs = new ArrayList<>();

  /** The given shapes by input name, parsed against the model's inputs. */
  Map<String, long[]> given(Model model) {
    return InputShapes.parse(specs, model.graph().runtimeInputs());
  }

  /** The model's input shapes with the given ones; {@code source} names the model in errors. */
  InputShapes resolve(Model model, String source) {
    return InputShapes.resolve(source, model.graph().runtimeInputs(), given(model));
  }
}

package org.lowrank.cli;

import java.nio.file.Path;
import org.lowrank.pipeline.DataSource;
import org.lowrank.train.data.Normalization;
import picocli.CommandLine.Option;

/** Where the labelled images are and how to normalize them. */
public final class DataOptions {
  @Option(
      names = "--data",
      paramLabel = "PATH",
      description = {
        "Labelled images: a directory of IDX files (MNIST family) or class folders",
        "split/class/*.jpg|png in a directory or .zip (splits 'train' and 'test')."
      })
  Path data;

  @Option(
      names = "--normalize",
      paramLabel = "PRESET",
      defaultValue = "unit",
      description = {
        "Pixel normalization after scaling to [0,1]: unit (none), imagenet",
        "(mean 0.485,0.456,0.406, std 0.229,0.224,0.225), or MEAN/STD lists, e.g.",
        "0.5,0.5,0.5/0.25,0.25,0.25 (default: ${DEFAULT-VALUE})."
      })
  String normalize;

  boolean present() {
    return data != null;
  }

  DataSource source() {
    return new DataSource(data, normalization(normalize));
  }

  static Normalization normalization(String spec) {
    return switch (spec) {
      case "unit" -> Normalization.unit();
      case "imagenet" -> Normalization.imagenet();
      default -> {
        String[] parts = spec.split("/");
        if (parts.length != 2) {
          throw new IllegalArgumentException(
              "--normalize: expected unit, imagenet or MEAN/STD lists such as 0.5/0.25, found '"
                  + spec
                  + "'");
        }
        yield Normalization.of(floats(parts[0]), floats(parts[1]));
      }
    };
  }

  private static float[] floats(String csv) {
    String[] s = csv.split(",");
    float[] out = new float[s.length];
    for (int i = 0; i < s.length; i++) {
      try {
        out[i] = Float.parseFloat(s[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--normalize: '" + s[i] + "' is not a number");
      }
    }
    return out;
  }
}

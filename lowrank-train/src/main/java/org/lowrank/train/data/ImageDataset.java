package org.lowrank.train.data;

import java.io.IOException;
import java.util.List;

/**
 * A labelled image dataset with a fixed example shape (channels x height x width). Examples are
 * 8-bit pixels in CHW order; normalization and augmentation happen in the {@link DataLoader}.
 * Implementations may decode lazily (one example at a time) so large datasets are not held in
 * memory. Implementations are safe for concurrent {@link #get} calls.
 */
public interface ImageDataset extends AutoCloseable {

  /** Number of examples. */
  int size();

  int channels();

  int height();

  int width();

  /** Class names; label {@code i} is {@code classNames().get(i)}. */
  List<String> classNames();

  default int numClasses() {
    return classNames().size();
  }

  /**
   * Whether {@link #classNames()} comes from the data or the caller (class folders, given names),
   * rather than a default guess such as "0".."9" for IDX labels; only declared classes must match
   * the model's number of scores ({@link Datasets#requireClassCount}).
   */
  default boolean classNamesDeclared() {
    return true;
  }

  /** Example {@code index}: CHW uint8 pixels (length channels*height*width) and its label. */
  Example get(int index) throws IOException;

  /** A short description for messages (source file and split). */
  String description();

  @Override
  default void close() throws IOException {}

  /** One example: CHW pixels as unsigned bytes and the class label. */
  record Example(byte[] pixels, int label) {}
}

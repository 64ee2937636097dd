package org.lowrank.train.data;

import java.io.IOException;

/** A dataset file is missing, malformed or inconsistent; the message says which file and why. */
public class DatasetException extends IOException {
  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}

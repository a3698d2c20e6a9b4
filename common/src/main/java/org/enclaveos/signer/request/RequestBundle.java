package org.enclaveos.signer.request;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * {@code bundle.json}: every request file prepare wrote, with its SHA-256 and the tool version. A
 * request edited after prepare no longer matches its line here.
 */
@JsonPropertyOrder({"schema", "toolVersion", "files"})
public record RequestBundle(String schema, String toolVersion, List<Entry> files) {
    public static final String SCHEMA = "enclaveos-signer/bundle/v1";
    public static final String FILE_NAME = "bundle.json";
    /**
     * The largest bundle read or written. It grows with the batch (about 134 bytes per request), so
     * the 1 MiB bound of a request file would stop a directory at about 7,800 requests; 16 MiB lists
     * about 125,000. A bigger batch goes to several directories ({@code prepare --shard I/N}).
     */
    public static final int MAX_BYTES = 16 << 20;

    @JsonPropertyOrder({"name", "sha256"})
    public record Entry(String name, String sha256) {
    }

    public RequestBundle {
        files = List.copyOf(files);
    }

    public byte[] toJson() {
        return RequestJson.write(this);
    }

    public static RequestBundle parse(byte[] json, String source) {
        return RequestJson.read(json, RequestBundle.class, source, MAX_BYTES);
    }

    /** Reads and parses a bundle file, refusing one over {@link #MAX_BYTES} before reading it all. */
    public static RequestBundle read(Path file) {
        return parse(org.enclaveos.signer.io.SmallFiles.read(file, MAX_BYTES, FILE_NAME), file.toString());
    }
}

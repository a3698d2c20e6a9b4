package org.enclaveos.signer.request;

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
        return RequestJson.read(json, RequestBundle.class, source);
    }
}

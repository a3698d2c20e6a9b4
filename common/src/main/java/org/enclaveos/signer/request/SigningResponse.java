package org.enclaveos.signer.request;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * {@code NAME.MODEL.response.json}, written beside each signed SIGSTRUCT: which request (by the
 * SHA-256 of its file) was signed, by whom (MRSIGNER), over which payload, giving which bytes.
 */
@JsonPropertyOrder({"schema", "toolVersion", "name", "memoryModel", "requestSha256", "mrsigner", "signingPayloadSha256",
    "sigstructSha256"})
public record SigningResponse(String schema, String toolVersion, String name, String memoryModel, String requestSha256,
                              String mrsigner, String signingPayloadSha256, String sigstructSha256) {
    public static final String SCHEMA = "enclaveos-signer/response/v1";
    public static final String FILE_SUFFIX = ".response.json";
    public static final String SIGSTRUCT_SUFFIX = ".sigstruct";

    public byte[] toJson() {
        return RequestJson.write(this);
    }

    public static SigningResponse parse(byte[] json, String source) {
        return RequestJson.read(json, SigningResponse.class, source);
    }
}

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

    /**
     * Checks that this response answers exactly {@code request} with exactly {@code sigstruct}: the
     * request file's SHA-256, its name and model, the signer, the payload and the SIGSTRUCT's bytes.
     *
     * @param where the response's name, for the error
     */
    public void requireAnswers(String where, RequestSet.Loaded request, org.enclaveos.signer.sgx.Sigstruct sigstruct) {
        if (!SCHEMA.equals(schema)) {
            throw new org.enclaveos.signer.SignerException(org.enclaveos.signer.ErrorKind.UNSUPPORTED, where
                    + ": schema is '" + schema + "', this tool reads " + SCHEMA);
        }
        String file = request.file().toString();
        same(where, "requestSha256", requestSha256, request.fileSha256().hex(), file);
        same(where, "name", name, request.request().name(), file);
        same(where, "memoryModel", memoryModel, request.request().memoryModel(), file);
        same(where, "mrsigner", mrsigner, sigstruct.mrsigner().hex(), "the SIGSTRUCT");
        same(where, "signingPayloadSha256", signingPayloadSha256, sigstruct.signingPayloadSha256().hex(), "the SIGSTRUCT");
        same(where, "sigstructSha256", sigstructSha256,
                org.enclaveos.signer.sgx.Hash256.sha256(sigstruct.toBytes()).hex(), "the SIGSTRUCT");
    }

    private static void same(String where, String field, String says, String is, String what) {
        if (!java.util.Objects.equals(says, is)) {
            throw new org.enclaveos.signer.SignerException(org.enclaveos.signer.ErrorKind.INTEGRITY, where + ": " + field
                    + " is " + says + ", but " + what + " has " + is);
        }
    }
}

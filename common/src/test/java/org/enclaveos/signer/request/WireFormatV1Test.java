package org.enclaveos.signer.request;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The request's {@code sigstruct} object is a frozen wire projection, not "what inspect prints": these
 * v1 requests (written by this version, with DEBUG, KSS, CET, unnamed attribute bits and no DATE among
 * them) must load and verify with every later v1 tool, and a v1 tool given the same inputs must write
 * the same bytes. If this test fails, the display changed the wire: change {@code describe}, not
 * {@code wireV1}.
 */
class WireFormatV1Test {

    static Path fixtures() throws URISyntaxException {
        return Path.of(WireFormatV1Test.class.getResource("/org/enclaveos/signer/request/v1/bundle.json").toURI()).getParent();
    }

    @Test
    void requestsWrittenByThisVersionKeepLoadingAndAreWrittenTheSame() throws Exception {
        List<RequestSet.Loaded> loaded = RequestSet.load(List.of(fixtures()));
        assertEquals(3, loaded.size());
        for (RequestSet.Loaded l : loaded) {
            SigningRequest r = l.request();
            SigningRequest again = SigningRequest.create(r.toolVersion(), r.name(),
                    r.memoryModel() == null ? null : MemoryModel.fromId(r.memoryModel()), r.source(), r.target(), r.layout(),
                    r.mrenclaveSource(), r.converter(), l.unsigned(), r.pinnedMrsigner().orElse(null));
            assertEquals(new String(Files.readAllBytes(l.file())), new String(again.toJson()), l.file().toString());
        }
    }

    @Test
    void theWireIsTheDisplayTodayButNotByDefinition() throws IOException, URISyntaxException {
        // Every key of the wire object is one inspect prints (a script reading either sees the same names).
        RequestSet.Loaded l = RequestSet.load(List.of(fixtures())).get(0);
        l.request().sigstruct().fieldNames().forEachRemaining(k -> assertEquals(true,
                org.enclaveos.signer.format.SigstructJson.describe(l.unsigned()).has(k), k));
    }
}

package org.enclaveos.signer.cli;

import java.io.PrintWriter;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.oe.OeEnclave;
import org.enclaveos.signer.oe.OeProperties;

/** How the commands show an Open Enclave enclave's properties: text rows and a JSON object. */
final class OeReport {
    private OeReport() {
    }

    static ObjectNode properties(OeProperties p) {
        ObjectNode o = SigstructJson.object();
        o.put("numHeapPages", p.heapPages());
        o.put("numStackPages", p.stackPages());
        o.put("numTcs", p.tcsCount());
        o.put("productId", p.productId());
        o.put("securityVersion", p.securityVersion());
        o.put("attributes", Hex.u64(p.attributes()));
        o.put("debug", p.debug());
        o.put("flags", Hex.u32(p.flags()));
        return o;
    }

    static void rows(PrintWriter out, OeEnclave enclave, OeProperties p) {
        InspectCommand.row(out, "kind", String.format("Open Enclave enclave (.oeinfo at file offset 0x%x), %s",
                enclave.oeinfoFileOffset(), enclave.sigstruct().isPresent() ? "signed" : "unsigned"));
        InspectCommand.row(out, "heap pages", Long.toUnsignedString(p.heapPages()));
        InspectCommand.row(out, "stack pages", Long.toUnsignedString(p.stackPages()));
        InspectCommand.row(out, "TCS", Long.toUnsignedString(p.tcsCount()));
        InspectCommand.row(out, "product id", Integer.toString(p.productId()));
        InspectCommand.row(out, "security version", Integer.toString(p.securityVersion()));
        InspectCommand.row(out, "attributes", Hex.u64(p.attributes()) + (p.debug() ? " (DEBUG)" : ""));
    }
}

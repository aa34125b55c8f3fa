/* HTTP authentication hooks (auth_http.h). */
#include "auth_http.h"

#include "auth_internal.h"
#include "config.h"

#include <string.h>

int http_auth_gate(const struct mcpd_config *cfg, struct MHD_Connection *mc,
                   struct mcpd_principal *who, enum MHD_Result *answer)
{
    (void)mc;
    (void)answer;
    memset(who, 0, sizeof *who);
    if (!cfg->auth) {
        return 0;
    }
    return 0;
}

int http_auth_other(const struct mcpd_config *cfg, struct MHD_Connection *mc, const char *url,
                    const char *method, int ops_here, enum MHD_Result *answer)
{
    (void)cfg;
    (void)mc;
    (void)url;
    (void)method;
    (void)ops_here;
    (void)answer;
    return 0;
}

int http_auth_check_msg(struct hconn *c, const struct mcpd_msg *msg, enum MHD_Result *answer)
{
    (void)c;
    (void)msg;
    (void)answer;
    return 0;
}

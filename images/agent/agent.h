/* gamehost-agent: the guest-side frame relay producer for real operating
 * systems.  agent_main is the whole program (options, the paced loop,
 * signals); main.c only calls it, so the tests can run it on fake trees. */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

/* Runs the agent; returns the process's exit status. */
int agent_main(int argc, char **argv);

#endif /* AGENT_AGENT_H */

"""frontends/cli"""

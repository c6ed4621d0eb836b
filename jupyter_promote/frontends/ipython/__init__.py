"""frontends/ipython"""
